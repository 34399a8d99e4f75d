#pragma once
// The state a Python function sees: RuntimeContext.get_state(...) and friends, backed by the operator's
// keyed state backend (heap or RocksDB). Values are stored encoded (codec.h), so they are checkpointed,
// restored at any parallelism and read by either backend like the state of C++ operators.
//
// Threading: task thread, GIL held (called from Python).
#include <pybind11/pybind11.h>

#include "weir/functions/runtime_context.h"
#include "weir/runtime/stream_operator.h"

namespace weir::python {

namespace py = pybind11;

//! Registers RuntimeContext and the state classes in the module.
void register_state_bindings(py::module_& m);

//! A Python RuntimeContext for operator `op` (valid while the operator lives).
py::object make_runtime_context(runtime::StreamOperator* op);
//! A Python RuntimeContext over an operator's existing context (window functions).
py::object make_runtime_context(RuntimeContext& rc);

}  // namespace weir::python
