#include "py_context.h"

#include "codec.h"
#include "weir/runtime/operator_state_store.h"

namespace weir::python {
namespace {

struct PyBroadcastStateHandle {
  runtime::HeapBroadcastState<std::string, std::string>* s;
  TypeSpecPtr key_spec, value_spec;
  bool writable;
  std::string name;
  void check_writable() const {
    if (!writable)
      throw py::type_error("broadcast state '" + name +
                           "' is read-only here: only process_broadcast_element may change it, so every "
                           "parallel instance sees the same state");
  }
  py::object get(py::handle k) const {
    auto v = s->get(encode_to_string(k, key_spec.get()));
    return v ? decode_string(*v) : py::none();
  }
  bool contains(py::handle k) const { return s->contains(encode_to_string(k, key_spec.get())); }
  void put(py::handle k, py::handle v) {
    check_writable();
    s->put(encode_to_string(k, key_spec.get()), encode_to_string(v, value_spec.get()));
  }
  void put_all(py::dict d) {
    for (auto [k, v] : d) put(k, v);
  }
  void remove(py::handle k) {
    check_writable();
    s->remove(encode_to_string(k, key_spec.get()));
  }
  void clear() {
    check_writable();
    s->clear();
  }
  py::list items() const {
    py::list out;
    for (const auto& [k, v] : s->entries()) out.append(py::make_tuple(decode_string(k), decode_string(v)));
    return out;
  }
  py::list keys() const {
    py::list out;
    for (const auto& [k, v] : s->entries()) out.append(decode_string(k));
    return out;
  }
  py::list values() const {
    py::list out;
    for (const auto& [k, v] : s->entries()) out.append(decode_string(v));
    return out;
  }
  bool is_empty() const { return s->entries().empty(); }
};

}  // namespace

py::object PyContext::timestamp() const {
  if (ts_ == kNoTimestamp) return py::none();
  return py::int_(ts_);
}

py::object PyContext::get_current_key() {
  if (!keyed_) throw py::type_error("get_current_key() is only available on keyed streams (after key_by())");
  if (!key_obj_) {
    auto key_bytes = deserialize_from_string<std::string>(op_->keyed_backend()->current_key());
    key_obj_ = decode_string(key_bytes);
  }
  return key_obj_;
}

py::object PyContext::time_domain() const {
  if (!has_domain_) throw py::type_error("time_domain() is only available in on_timer");
  auto td = py::module_::import("weir.datastream.time_domain").attr("TimeDomain");
  return event_time_ ? td.attr("EVENT_TIME") : td.attr("PROCESSING_TIME");
}

py::object PyContext::window() const {
  if (!window_) throw py::type_error("window() is only available in window functions");
  return window_;
}

runtime::InternalTimerService& PyContext::timers(const char* what) const {
  if (!timers_)
    throw py::type_error(
        std::string(what) + ": timers can only be used in process functions on keyed streams (operator '" +
        (op_ ? op_->runtime().name : std::string("window function")) + "'); use key_by() first");
  return *timers_;
}

void PyContext::register_event_time_timer(Timestamp t) {
  timers("register_event_time_timer").register_event_time_timer({}, t);
}
void PyContext::register_processing_time_timer(Timestamp t) {
  timers("register_processing_time_timer").register_processing_time_timer({}, t);
}
void PyContext::delete_event_time_timer(Timestamp t) {
  timers("delete_event_time_timer").delete_event_time_timer({}, t);
}
void PyContext::delete_processing_time_timer(Timestamp t) {
  timers("delete_processing_time_timer").delete_processing_time_timer({}, t);
}

py::object PyContext::broadcast_state(py::handle desc) {
  if (!op_) throw py::type_error("get_broadcast_state() is only available in broadcast process functions");
  std::string name = desc.attr("name").cast<std::string>();
  std::string kind = desc.attr("_kind").cast<std::string>();
  if (kind != "map")
    throw py::type_error("get_broadcast_state() needs a MapStateDescriptor, got a " +
                         py::str(py::type::of(desc).attr("__name__")).cast<std::string>() + " '" + name +
                         "'");
  auto* s = op_->operator_state().get_or_create<runtime::HeapBroadcastState<std::string, std::string>>(
      "broadcast:" + name);
  return py::cast(PyBroadcastStateHandle{s, TypeSpec::from_python(desc.attr("_key_spec")()),
                                         TypeSpec::from_python(desc.attr("_value_spec")()),
                                         broadcast_writable_, name});
}

void register_context_bindings(py::module_& m) {
  py::class_<PyTimerService>(m, "TimerService")
      .def("current_processing_time", [](PyTimerService& t) { return t.ctx->current_processing_time(); })
      .def("current_watermark", [](PyTimerService& t) { return t.ctx->current_watermark(); })
      .def("register_event_time_timer",
           [](PyTimerService& t, Timestamp ts) { t.ctx->register_event_time_timer(ts); })
      .def("register_processing_time_timer",
           [](PyTimerService& t, Timestamp ts) { t.ctx->register_processing_time_timer(ts); })
      .def("delete_event_time_timer",
           [](PyTimerService& t, Timestamp ts) { t.ctx->delete_event_time_timer(ts); })
      .def("delete_processing_time_timer",
           [](PyTimerService& t, Timestamp ts) { t.ctx->delete_processing_time_timer(ts); });
  py::class_<PyContext>(m, "Context")
      .def("timestamp", &PyContext::timestamp)
      .def(
          "timer_service", [](PyContext& c) { return PyTimerService{&c}; }, py::keep_alive<0, 1>())
      .def("get_current_key", &PyContext::get_current_key)
      .def("time_domain", &PyContext::time_domain)
      .def("window", &PyContext::window)
      .def("current_watermark", &PyContext::current_watermark)
      .def("current_processing_time", &PyContext::current_processing_time)
      .def("get_broadcast_state", &PyContext::broadcast_state);
  py::class_<PyBroadcastStateHandle>(m, "BroadcastState")
      .def("get", &PyBroadcastStateHandle::get)
      .def("contains", &PyBroadcastStateHandle::contains)
      .def("put", &PyBroadcastStateHandle::put)
      .def("put_all", &PyBroadcastStateHandle::put_all)
      .def("remove", &PyBroadcastStateHandle::remove)
      .def("clear", &PyBroadcastStateHandle::clear)
      .def("items", &PyBroadcastStateHandle::items)
      .def("keys", &PyBroadcastStateHandle::keys)
      .def("values", &PyBroadcastStateHandle::values)
      .def("is_empty", &PyBroadcastStateHandle::is_empty)
      .def("__contains__", &PyBroadcastStateHandle::contains)
      .def("__getitem__", &PyBroadcastStateHandle::get)
      .def("__iter__", [](PyBroadcastStateHandle& s) { return py::iter(s.keys()); });
}

}  // namespace weir::python
