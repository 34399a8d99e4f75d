#pragma once
// A call into an operator from a task (the loops, building, the input, checkpoints): what its user
// function throws becomes an OperatorFailure naming the operator, once, at the innermost boundary.
//
// Threading: the task thread.
#include <exception>

#include "weir/common/error.h"
#include "weir/runtime/operator_failure.h"
#include "weir/runtime/stream_operator.h"

namespace weir::cluster {

template <typename F>
inline void call_operator(runtime::StreamOperator* op, F&& f) {
  try {
    f();
  } catch (const runtime::OperatorFailure&) {
    throw;
  } catch (const TaskCanceled&) {
    throw;
  } catch (const std::exception& e) {
    throw runtime::OperatorFailure(op->runtime().name, e.what());
  } catch (...) {  // C++ lets a function throw anything; the task fails like on any error
    throw runtime::OperatorFailure(op->runtime().name, runtime::kNotAStdException);
  }
}

}  // namespace weir::cluster
