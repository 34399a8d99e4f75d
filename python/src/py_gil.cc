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

// The GIL is held by this thread exactly while tls.depth > 0: the first hold takes it, the last lets go.
void hold() {
  if (tls.depth++ > 0) return;
  if (!Py_IsInitialized()) return;
  if (!tls.ts) {
    tls.outer = PyGILState_Ensure();  // creates and binds this thread's state; kept until the thread ends
    tls.ts = PyThreadState_Get();
  } else {
    PyEval_RestoreThread(tls.ts);
  }
}

void let_go() {
  if (--tls.depth > 0) return;
  if (tls.ts && Py_IsInitialized()) PyEval_SaveThread();
}

}  // namespace

TaskGil::TaskGil() {
  hold();
}

TaskGil::~TaskGil() {
  let_go();
}

void BatchGil::acquire() {
  if (held_) return;
  hold();
  held_ = true;
}

void BatchGil::release() {
  if (!held_) return;
  held_ = false;
  let_go();
}

}  // namespace weir::python
