#include "py_operator_base.h"

#include "py_state.h"

namespace weir::python {

std::string format_python_error(py::error_already_set& e) {
  try {
    auto tb = py::module_::import("traceback");
    py::object lines = tb.attr("format_exception")(e.type(), e.value(), e.trace());
    std::string text = py::str("").attr("join")(lines).cast<std::string>();
    e.restore();
    PyErr_Clear();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  } catch (...) {
    return e.what();
  }
}

void PyOperatorSupport::bind_outputs(const runtime::OperatorRuntime& rt) {
  op_name_ = rt.name;
  out_ = static_cast<runtime::Output<PyValue>*>(rt.output);
  for (const auto& [tag, spec] : out_spec_.sides) {
    auto it = rt.side_outputs.find(tag);
    if (it != rt.side_outputs.end())
      sides_[tag] = {static_cast<runtime::Output<PyValue>*>(it->second), spec.get()};
    else
      sides_[tag] = {nullptr, spec.get()};
  }
}

void PyOperatorSupport::open_python(runtime::StreamOperator* op) {
  call_python(op_name_, [&] {
    runtime_ctx_ = make_runtime_context(op);
    impl_ = spec_.get().attr("create")(runtime_ctx_);
  });
}

void PyOperatorSupport::open_python(RuntimeContext& rc) {
  op_name_ = rc.get_operator_name();
  call_python(op_name_, [&] {
    runtime_ctx_ = make_runtime_context(rc);
    impl_ = spec_.get().attr("create")(runtime_ctx_);
  });
}

void PyOperatorSupport::close_python() {
  if (!impl_) return;
  call_python(op_name_, [&] {
    if (py::hasattr(impl_, "close")) impl_.attr("close")();
  });
  impl_ = py::object();
  runtime_ctx_ = py::object();
}

PyOperatorSupport::~PyOperatorSupport() {
  if ((impl_ || runtime_ctx_) && Py_IsInitialized()) {
    TaskGil gil;
    impl_ = py::object();
    runtime_ctx_ = py::object();
  }
}

void PyOperatorSupport::emit_one(py::handle v, Timestamp ts) {
  PyObject* o = v.ptr();
  if (PyTuple_CheckExact(o) && PyTuple_GET_SIZE(o) == 2) {
    PyObject* first = PyTuple_GET_ITEM(o, 0);
    // An OutputTag (weir.datastream.OutputTag) carries its id in `tag_id`. A type check, not an
    // attribute lookup: every 2-tuple a function returns passes here.
    static PyObject* tag_type =
        py::object(py::module_::import("weir.datastream.output_tag").attr("OutputTag")).release().ptr();
    if (PyObject_TypeCheck(first, reinterpret_cast<PyTypeObject*>(tag_type))) {
      std::string tag = py::reinterpret_borrow<py::object>(first).attr("tag_id").cast<std::string>();
      auto it = sides_.find(tag);
      // A side output nobody reads is dropped, as in Flink.
      if (it != sides_.end() && it->second.first) {
        scratch_.clear();
        encode(scratch_, PyTuple_GET_ITEM(o, 1), it->second.second);
        pending_.push_back({it->second.first, scratch_.str(), ts});
      }
      return;
    }
  }
  scratch_.clear();
  encode(scratch_, v, out_spec_.main.get());
  pending_.push_back({out_, scratch_.str(), ts});
}

void PyOperatorSupport::emit_results(py::handle results, Timestamp ts, bool iterable) {
  if (results.is_none()) return;
  if (!iterable) return emit_one(results, ts);
  // The CPython iterator protocol directly: this runs for every record of a process function.
  py::object it = py::reinterpret_steal<py::object>(PyObject_GetIter(results.ptr()));
  if (!it) throw py::error_already_set();
  while (PyObject* x = PyIter_Next(it.ptr())) emit_one(py::reinterpret_steal<py::object>(x), ts);
  if (PyErr_Occurred()) throw py::error_already_set();
}

}  // namespace weir::python
