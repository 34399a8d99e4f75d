#pragma once
// Taking the GIL on a task thread.
//
// Task threads are not created by Python. The first time one needs the GIL it gets a thread state that it
// keeps until the thread ends; every later call is a plain PyEval_RestoreThread / PyEval_SaveThread pair,
// which costs far less than creating and destroying a thread state per record (what PyGILState_Ensure /
// Release do on a thread that holds no other reference). Re-entrant: a thread that already holds the GIL
// (a Python function calling into state that calls back into Python) does nothing.
#include <pybind11/pybind11.h>

namespace weir::python {

class TaskGil {
 public:
  TaskGil();
  ~TaskGil();
  TaskGil(const TaskGil&) = delete;
  TaskGil& operator=(const TaskGil&) = delete;
};

//! The GIL held across the records of a batch: acquire() before a record's Python calls (nothing when it
//! is held already), release() at the end of the batch (runtime/batch_end.h) and before anything that may
//! wait. So a task running Python hands the GIL to other threads once per batch, not once per record.
class BatchGil {
 public:
  BatchGil() = default;
  BatchGil(const BatchGil&) = delete;
  BatchGil& operator=(const BatchGil&) = delete;
  ~BatchGil() { release(); }
  void acquire();
  void release();

 private:
  bool held_ = false;
};

//! Releases the GIL for the scope if this thread holds it (waiting on a job from a Python thread).
class ReleaseGil {
 public:
  ReleaseGil() : save_(PyGILState_Check() ? PyEval_SaveThread() : nullptr) {}
  ~ReleaseGil() {
    if (save_) PyEval_RestoreThread(save_);
  }
  ReleaseGil(const ReleaseGil&) = delete;
  ReleaseGil& operator=(const ReleaseGil&) = delete;

 private:
  PyThreadState* save_;
};

}  // namespace weir::python
