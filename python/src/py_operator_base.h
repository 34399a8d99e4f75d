#pragma once
// What every operator that runs Python code shares: the per-subtask Python object built from the
// operator's spec, the Python RuntimeContext, encoding results (main output and side outputs), and turning
// a Python exception into an OperatorFailure that carries the Python traceback.
//
// Threading: task thread only. Every call into Python holds the GIL (TaskGil) for that call and no longer.
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "codec.h"
#include "py_gil.h"
#include "py_records.h"
#include "weir/functions/runtime_context.h"
#include "weir/runtime/operator_failure.h"
#include "weir/runtime/output.h"
#include "weir/runtime/stream_operator.h"

namespace weir::python {

//! How an operator encodes what it emits: the main output's declared type, and each side output's.
struct OutputSpec {
  TypeSpecPtr main;
  std::unordered_map<std::string, TypeSpecPtr> sides;  //!< by OutputTag id
};

//! Formats the Python exception being handled (type, message, traceback) and clears it.
std::string format_python_error(py::error_already_set& e);

//! Runs `f` (which calls Python) and rethrows a Python exception as OperatorFailure naming `op`.
template <typename F>
auto call_python(const std::string& op, F&& f) {
  try {
    return f();
  } catch (py::error_already_set& e) {
    throw runtime::OperatorFailure(op, format_python_error(e));
  } catch (const py::builtin_exception& e) {
    throw runtime::OperatorFailure(op, e.what());
  }
}

class PyOperatorSupport {
 public:
  //! `spec` is the Python operator spec; its create(runtime_context) builds the per-subtask object.
  PyOperatorSupport(PyRef spec, OutputSpec out) : spec_(std::move(spec)), out_spec_(std::move(out)) {}

  //! Builds the per-subtask Python object and opens it. GIL held by the caller.
  void open_python(runtime::StreamOperator* op);
  void open_python(RuntimeContext& rc);
  void close_python();

  //! Emits every element of `results` (a value, an iterable or None per `iterable`); a 2-tuple
  //! (OutputTag, value) goes to that side output. GIL held by the caller.
  void emit_results(py::handle results, Timestamp ts, bool iterable);
  void emit_one(py::handle value, Timestamp ts);
  //! An already encoded result for the main output.
  void emit_encoded(std::string bytes, Timestamp ts) { pending_.push_back({out_, std::move(bytes), ts}); }

  //! Where records go. PyValue records for the main output unless `keyed_out_` is set by a subclass.
  void bind_outputs(const runtime::OperatorRuntime& rt);

  //! Sends what emit_* collected downstream. Called WITHOUT the GIL: downstream operators may block on
  //! backpressure, and a thread that waits while holding the GIL would stop every Python thread of the
  //! process, including the consumer it waits for.
  void flush() {
    for (auto& p : pending_) p.out->collect(PyValue{std::move(p.bytes)}, p.ts);
    pending_.clear();
  }
  void drop_pending() { pending_.clear(); }

  const py::object& impl() const { return impl_; }
  const TypeSpec* main_spec() const { return out_spec_.main.get(); }
  PyOperatorSupport(const PyOperatorSupport& o) : spec_(o.spec_), out_spec_(o.out_spec_) {}
  //! Python objects are released with the GIL (operators are destroyed on task threads).
  ~PyOperatorSupport();

 protected:
  PyRef spec_;
  OutputSpec out_spec_;
  py::object impl_;         //!< the per-subtask Python object (spec.create(ctx))
  py::object runtime_ctx_;  //!< the Python RuntimeContext handed to open()
  runtime::Output<PyValue>* out_ = nullptr;
  std::unordered_map<std::string, std::pair<runtime::Output<PyValue>*, const TypeSpec*>> sides_;
  struct Pending {
    runtime::Output<PyValue>* out;
    std::string bytes;
    Timestamp ts;
  };
  std::vector<Pending> pending_;
  DataOutput scratch_;
  std::string op_name_;
};

}  // namespace weir::python
