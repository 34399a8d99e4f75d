#pragma once
// The context objects Python functions receive (ProcessFunction.Context, KeyedProcessFunction.Context and
// OnTimerContext, the contexts of co-process and broadcast functions, ProcessWindowFunction.Context), and
// the TimerService behind ctx.timer_service(). One C++ class serves them all: an operator owns one
// context, points it at the current record or timer before each call, and the methods a kind of function
// must not use fail with a message that says why.
//
// Threading: task thread, GIL held.
#include <pybind11/pybind11.h>

#include <functional>
#include <optional>
#include <string>

#include "py_gil.h"
#include "py_records.h"
#include "weir/runtime/internal_timer_service.h"
#include "weir/runtime/stream_operator.h"

namespace weir::python {

namespace py = pybind11;

class PyContext {
 public:
  explicit PyContext(runtime::StreamOperator* op) : op_(op) {}
  ~PyContext() {
    if (key_obj_ || window_) {
      TaskGil gil;
      key_obj_ = window_ = py::object();
    }
  }

  // ---- set by the operator before each call ----
  void set_record(Timestamp ts) {
    ts_ = ts;
    key_obj_ = py::object();
    has_domain_ = false;
  }
  void set_timers(runtime::InternalTimerService* t) { timers_ = t; }
  void set_timer_domain(bool event_time) {
    has_domain_ = true;
    event_time_ = event_time;
  }
  void set_window(py::object w) { window_ = std::move(w); }
  //! Broadcast functions: whether this call may change broadcast state.
  void set_broadcast_writable(bool w) { broadcast_writable_ = w; }
  void set_keyed(bool k) { keyed_ = k; }

  // ---- what Python calls ----
  py::object timestamp() const;
  Timestamp current_watermark() const { return op_ ? op_->current_watermark() : watermark_fn_(); }
  Timestamp current_processing_time() const {
    return op_ ? op_->runtime().processing_time->now() : processing_time_fn_();
  }
  //! Window functions have no operator at hand: their clocks come from the window context.
  void set_clocks(std::function<Timestamp()> watermark, std::function<Timestamp()> processing_time) {
    watermark_fn_ = std::move(watermark);
    processing_time_fn_ = std::move(processing_time);
  }
  py::object get_current_key();
  py::object time_domain() const;
  py::object window() const;
  void register_event_time_timer(Timestamp t);
  void register_processing_time_timer(Timestamp t);
  void delete_event_time_timer(Timestamp t);
  void delete_processing_time_timer(Timestamp t);
  py::object broadcast_state(py::handle descriptor);

  runtime::StreamOperator* op() const { return op_; }

 private:
  runtime::InternalTimerService& timers(const char* what) const;
  runtime::StreamOperator* op_;
  std::function<Timestamp()> watermark_fn_, processing_time_fn_;
  Timestamp ts_ = kNoTimestamp;
  runtime::InternalTimerService* timers_ = nullptr;
  py::object key_obj_;
  py::object window_;
  bool has_domain_ = false;
  bool event_time_ = true;
  bool broadcast_writable_ = false;
  bool keyed_ = false;
};

//! ctx.timer_service(): a view on the context's timers.
struct PyTimerService {
  PyContext* ctx;
};

void register_context_bindings(py::module_& m);

}  // namespace weir::python
