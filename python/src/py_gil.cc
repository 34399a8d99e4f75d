#include "py_gil.h"

namespace weir::python {
namespace {

struct ThreadState {
  PyThreadState* ts = nullptr;
  int depth = 0;  // nested TaskGil scopes on this thread (PyGILState_Check is not reliable here)
  PyGILState_STATE outer{};
  ~ThreadState() {
    // The thread ends: drop its thread state, unless the interpreter is already gone.
    if (ts && Py_IsInitialized() && !_Py_IsFinalizing()) {
      PyEval_RestoreThread(ts);
      PyGILState_Release(outer);
    }
  }
};
thread_local ThreadState tls;

}  // namespace

TaskGil::TaskGil() {
  if (tls.depth++ > 0) return;
  if (!Py_IsInitialized()) return;
  if (!tls.ts) {
    tls.outer = PyGILState_Ensure();  // creates and binds this thread's state; kept until the thread ends
    tls.ts = PyThreadState_Get();
  } else {
    PyEval_RestoreThread(tls.ts);
  }
  acquired_ = true;
}

TaskGil::~TaskGil() {
  --tls.depth;
  if (acquired_) PyEval_SaveThread();
}

}  // namespace weir::python
