#include "py_state.h"

#include <pybind11/stl.h>

#include "codec.h"
#include "py_native_state.h"
#include "py_operator_base.h"
#include "py_records.h"
#include "weir/functions/runtime_context.h"
#include "weir/state/state_factory.h"

namespace weir::python {
namespace {

TypeSpecPtr spec_attr(py::handle desc, const char* attr) {
  return TypeSpec::from_python(desc.attr(attr)());
}

template <typename D>
D with_ttl(D d, py::handle desc) {
  py::object ttl = desc.attr("_ttl_spec")();
  if (!ttl.is_none()) {
    auto t = ttl.cast<py::tuple>();
    StateTtlConfig c = StateTtlConfig::of_ms(t[0].cast<int64_t>());
    c.set_update_type(t[1].cast<int>() == 0 ? StateTtlConfig::UpdateType::kOnCreateAndWrite
                                            : StateTtlConfig::UpdateType::kOnReadAndWrite);
    c.set_state_visibility(t[2].cast<int>() == 0 ? StateTtlConfig::Visibility::kNeverReturnExpired
                                                 : StateTtlConfig::Visibility::kReturnExpiredIfNotCleanedUp);
    d.enable_time_to_live(c);
  }
  return d;
}

struct PyListStateHandle {
  ListState<std::string>* s;
  TypeSpecPtr spec;
  py::list get() {
    py::list out;
    for (const auto& e : s->get()) out.append(decode_string(e));
    return out;
  }
  void add(py::handle v) {
    if (v.is_none()) throw py::value_error("you cannot add None to a ListState");
    s->add(encode_to_string(v, spec.get()));
  }
  void add_all(py::iterable vs) {
    for (auto v : vs) add(v);
  }
  void update(py::iterable vs) {
    std::vector<std::string> enc;
    for (auto v : vs) {
      if (v.is_none()) throw py::value_error("you cannot add None to a ListState");
      enc.push_back(encode_to_string(v, spec.get()));
    }
    s->update(enc);
  }
  void clear() { s->clear(); }
};

struct PyReducingStateHandle {
  ReducingState<std::string>* s;
  TypeSpecPtr spec;
  py::object get() {
    auto v = s->get();
    if (!v) return py::none();
    return decode_string(*v);
  }
  void add(py::handle v) { s->add(encode_to_string(v, spec.get())); }
  void clear() { s->clear(); }
};

//! A Python AggregateFunction as the engine's AggregateFunction over encoded values.
class PyAggregateAdapter final : public AggregateFunction<std::string, std::string, std::string> {
 public:
  PyAggregateAdapter(PyRef fn, TypeSpecPtr acc_spec) : fn_(std::move(fn)), acc_spec_(std::move(acc_spec)) {}
  std::string create_accumulator() override {
    TaskGil gil;
    return encode_to_string(fn_.get().attr("create_accumulator")(), acc_spec_.get());
  }
  std::string add(const std::string& value, std::string acc) override {
    TaskGil gil;
    py::object r = fn_.get().attr("add")(decode_string(value), decode_string(acc));
    return encode_to_string(r, acc_spec_.get());
  }
  std::string get_result(const std::string& acc) override {
    TaskGil gil;
    return encode_to_string(fn_.get().attr("get_result")(decode_string(acc)));
  }
  std::string merge(std::string a, std::string b) override {
    TaskGil gil;
    return encode_to_string(fn_.get().attr("merge")(decode_string(a), decode_string(b)), acc_spec_.get());
  }

 private:
  PyRef fn_;
  TypeSpecPtr acc_spec_;
};

struct PyAggregatingStateHandle {
  AggregatingState<std::string, std::string>* s;
  py::object get() {
    auto v = s->get();
    if (!v) return py::none();
    return decode_string(*v);
  }
  void add(py::handle v) { s->add(encode_to_string(v)); }
  void clear() { s->clear(); }
};

class PyRuntimeContext {
 public:
  explicit PyRuntimeContext(std::shared_ptr<RuntimeContext> rc) : rc_(std::move(rc)) {}
  int index() const { return rc_->get_index_of_this_subtask(); }
  int parallelism() const { return rc_->get_number_of_parallel_subtasks(); }
  int max_parallelism() const { return rc_->get_max_number_of_parallel_subtasks(); }
  std::string task_name() const { return rc_->get_task_name(); }
  std::string task_name_with_subtasks() const {
    return task_name() + " (" + std::to_string(index() + 1) + "/" + std::to_string(parallelism()) + ")";
  }
  int attempt() const { return rc_->get_attempt_number(); }
  std::string job_id() const { return rc_->get_job_id(); }
  py::dict job_parameters() const {
    py::dict d;
    for (const auto& [k, v] : rc_->get_runtime_config().values()) d[py::str(k)] = py::str(v);
    return d;
  }

  py::object value_state(py::handle desc) {
    auto d = with_ttl(ValueStateDescriptor<std::string>(desc.attr("name").cast<std::string>()), desc);
    return make_value_state(&rc_->get_state(d), spec_attr(desc, "_value_spec"));
  }
  PyListStateHandle list_state(py::handle desc) {
    auto d = with_ttl(ListStateDescriptor<std::string>(desc.attr("name").cast<std::string>()), desc);
    return {&rc_->get_list_state(d), spec_attr(desc, "_value_spec")};
  }
  py::object map_state(py::handle desc) {
    auto d =
        with_ttl(MapStateDescriptor<std::string, std::string>(desc.attr("name").cast<std::string>()), desc);
    return make_map_state(&rc_->get_map_state(d), spec_attr(desc, "_key_spec"),
                          spec_attr(desc, "_value_spec"));
  }
  PyReducingStateHandle reducing_state(py::handle desc) {
    TypeSpecPtr spec = spec_attr(desc, "_value_spec");
    PyRef fn(py::reinterpret_borrow<py::object>(desc.attr("_reduce_callable")()));
    std::string name = rc_->get_operator_name();
    auto reduce = [fn, spec, name](const std::string& a, const std::string& b) {
      TaskGil gil;
      return call_python(
          name, [&] { return encode_to_string(fn.get()(decode_string(a), decode_string(b)), spec.get()); });
    };
    auto d =
        with_ttl(ReducingStateDescriptor<std::string>(desc.attr("name").cast<std::string>(), reduce), desc);
    return {&rc_->get_reducing_state(d), spec};
  }
  PyAggregatingStateHandle aggregating_state(py::handle desc) {
    auto agg = std::make_shared<PyAggregateAdapter>(PyRef(desc.attr("_agg_function")()),
                                                    spec_attr(desc, "_value_spec"));
    auto d = with_ttl(AggregatingStateDescriptor<std::string, std::string, std::string>(
                          desc.attr("name").cast<std::string>(), agg),
                      desc);
    return {&rc_->get_aggregating_state(d)};
  }

 private:
  std::shared_ptr<RuntimeContext> rc_;
};

}  // namespace

py::object make_runtime_context(runtime::StreamOperator* op) {
  return py::cast(PyRuntimeContext(std::make_shared<RuntimeContext>(op)));
}
py::object make_runtime_context(RuntimeContext& rc) {
  // The context belongs to the operator, which outlives every Python call it makes.
  return py::cast(PyRuntimeContext(std::shared_ptr<RuntimeContext>(&rc, [](RuntimeContext*) {})));
}

void register_state_bindings(py::module_& m) {
  py::class_<PyRuntimeContext>(m, "RuntimeContext")
      .def("get_index_of_this_subtask", &PyRuntimeContext::index)
      .def("get_number_of_parallel_subtasks", &PyRuntimeContext::parallelism)
      .def("get_max_number_of_parallel_subtasks", &PyRuntimeContext::max_parallelism)
      .def("get_task_name", &PyRuntimeContext::task_name)
      .def("get_task_name_with_subtasks", &PyRuntimeContext::task_name_with_subtasks)
      .def("get_attempt_number", &PyRuntimeContext::attempt)
      .def("get_job_id", &PyRuntimeContext::job_id)
      .def("get_job_parameters", &PyRuntimeContext::job_parameters)
      .def("_value_state", &PyRuntimeContext::value_state)
      .def("_list_state", &PyRuntimeContext::list_state)
      .def("_map_state", &PyRuntimeContext::map_state)
      .def("_reducing_state", &PyRuntimeContext::reducing_state)
      .def("_aggregating_state", &PyRuntimeContext::aggregating_state);
  register_native_state_types(m);
  py::class_<PyListStateHandle>(m, "ListState")
      .def("get", &PyListStateHandle::get)
      .def("add", &PyListStateHandle::add)
      .def("add_all", &PyListStateHandle::add_all)
      .def("update", &PyListStateHandle::update)
      .def("clear", &PyListStateHandle::clear)
      .def("__iter__", [](PyListStateHandle& s) { return py::iter(s.get()); });
  py::class_<PyReducingStateHandle>(m, "ReducingState")
      .def("get", &PyReducingStateHandle::get)
      .def("add", &PyReducingStateHandle::add)
      .def("clear", &PyReducingStateHandle::clear);
  py::class_<PyAggregatingStateHandle>(m, "AggregatingState")
      .def("get", &PyAggregatingStateHandle::get)
      .def("add", &PyAggregatingStateHandle::add)
      .def("clear", &PyAggregatingStateHandle::clear);
}

}  // namespace weir::python
