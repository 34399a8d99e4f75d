#pragma once
// The operators that run Python functions.
//   PyChainOperator       map / flat_map / filter / process (non-keyed) / key_by, fused: Python objects
//                         pass from one function to the next as they are, and only the chain's result is
//                         encoded (PyFlink chains Python functions the same way).
//   PyKeyedOperator       KeyedProcessFunction (state, timers) and rolling reduce on a keyed stream.
//   PyTwoInputOperator    connect(): co-map, co-flat-map, co-process, keyed co-process, and the broadcast
//                         process functions (keyed or not).
//   PySinkOperator        add_sink with a Python SinkFunction, print().
// Each calls into Python with the GIL held for the call and sends results downstream after releasing it.
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "py_context.h"
#include "py_operator_base.h"
#include "weir/api/operators/keyed_support.h"
#include "weir/runtime/batch_end.h"
#include "weir/state/state_factory.h"

namespace weir::python {

enum class StageKind { kMap = 0, kFlatMap = 1, kFilter = 2, kProcess = 3 };

//! What the Python operators share in the task loop: the GIL kept from the first record of a batch to the
//! batch's end (runtime/batch_end.h), and results that wait until then. Everything that passes results
//! (watermarks and the timers they fire, barriers, the end of input) first lets go of the GIL and sends
//! them on, so order is kept and no thread waits on a full output while holding the GIL.
class PyBatchingOperator : public runtime::StreamOperator {
 public:
  void process_watermark(Timestamp wm, int input) override {
    release_and_flush();
    runtime::StreamOperator::process_watermark(wm, input);
  }
  void process_watermark_status(bool idle, int input) override {
    release_and_flush();
    runtime::StreamOperator::process_watermark_status(idle, input);
  }
  void end_input(int input) override { release_and_flush(); }
  void finish() override { release_and_flush(); }
  void snapshot_state(checkpoint::OperatorSnapshot& out) override {
    release_and_flush();
    runtime::StreamOperator::snapshot_state(out);
  }
  ~PyBatchingOperator() override {
    runtime::remove_batch_end_hook(this);
    gil_.release();
  }

 protected:
  //! Lets go of the GIL and sends the batch's results downstream.
  virtual void release_and_flush() = 0;
  void on_watermark(Timestamp wm) override {
    runtime::StreamOperator::on_watermark(wm);  // fires event-time timers
    release_and_flush();
  }
  //! In open(): the task calls release_and_flush() at the end of every batch.
  void start_batching() {
    runtime::add_batch_end_hook(this, rt_.chain_position, [this] { release_and_flush(); });
  }
  //! In close(): no more batches.
  void stop_batching() {
    runtime::remove_batch_end_hook(this);
    gil_.release();
  }
  //! Calls a timer function (on_timer(ts, ctx)) and keeps its results for the batch's end.
  void call_timer(PyOperatorSupport& support, PyContext& ctx, const py::object& ctx_obj, const py::object& fn,
                  const runtime::Timer& t, bool event_time);
  BatchGil gil_;
};

class PyChainOperator final : public PyBatchingOperator, public runtime::Input<PyValue> {
 public:
  //! With `key_spec` set, the chain ends in a key selector (the last stage) and emits PyKeyed records.
  PyChainOperator(PyRef spec, OutputSpec out, std::optional<TypeSpecPtr> key_spec)
      : support_(std::move(spec), std::move(out)), key_spec_(std::move(key_spec)) {}
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  void open() override;
  void process_element(const PyValue& v, Timestamp ts) override;
  void close() override;
  ~PyChainOperator() override {
    gil_.release();
    TaskGil gil;
    release();
  }

 private:
  void release_and_flush() override;
  void release() {
    stages_.clear();
    key_fn_ = ctx_obj_ = py::object();
  }
  void run_from(size_t stage, py::handle value);
  PyOperatorSupport support_;
  std::optional<TypeSpecPtr> key_spec_;
  struct Stage {
    StageKind kind;
    py::object fn;
    TypeSpecPtr out;  //!< declared output type when it changes values (normalize), else null
  };
  std::vector<Stage> stages_;
  py::object key_fn_;
  std::unique_ptr<PyContext> ctx_;
  py::object ctx_obj_;
  Timestamp ts_ = kNoTimestamp;
  runtime::Output<PyKeyed>* keyed_out_ = nullptr;
  std::vector<std::pair<PyKeyed, Timestamp>> keyed_pending_;
  DataOutput scratch_;
};

class PyKeyedOperator final : public PyBatchingOperator,
                              public runtime::Input<PyKeyed>,
                              public runtime::Triggerable {
 public:
  enum class Mode { kProcess, kReduce };
  PyKeyedOperator(PyRef spec, OutputSpec out, Mode mode)
      : support_(std::move(spec), std::move(out)), mode_(mode) {}
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  bool is_keyed() const override { return true; }
  void open() override;
  void process_element(const PyKeyed& v, Timestamp ts) override;
  void on_event_time(const runtime::Timer& t) override { fire(t, true); }
  void on_processing_time(const runtime::Timer& t) override { fire(t, false); }
  void close() override;
  ~PyKeyedOperator() override {
    gil_.release();
    TaskGil gil;
    process_fn_ = timer_fn_ = reduce_fn_ = ctx_obj_ = py::object();
  }

 private:
  void fire(const runtime::Timer& t, bool event_time);
  void release_and_flush() override {
    gil_.release();
    support_.flush();
  }
  PyOperatorSupport support_;
  Mode mode_;
  ops::KeyContext<std::string> keys_;
  std::unique_ptr<PyContext> ctx_;
  py::object ctx_obj_;
  py::object process_fn_, timer_fn_, reduce_fn_;
  state::InternalValueState<std::string>* reduce_state_ = nullptr;
  DataOutput scratch_;
  runtime::InternalTimerService* timers_ = nullptr;
};

//! Two inputs; IN1/IN2 are PyValue or PyKeyed. With keyed inputs the operator has keyed state and timers.
//! `broadcast_input2`: input 2 is a broadcast stream and may change broadcast state.
template <typename IN1, typename IN2>
class PyTwoInputOperator final : public PyBatchingOperator, public runtime::Triggerable {
 public:
  PyTwoInputOperator(PyRef spec, OutputSpec out, bool broadcast_input2)
      : support_(std::move(spec), std::move(out)),
        broadcast_input2_(broadcast_input2),
        in1_(this),
        in2_(this) {}
  runtime::InputBase* input(int i) override {
    if (i == 0) return &in1_;
    if (i == 1) return &in2_;
    return nullptr;
  }
  int num_inputs() const override { return 2; }
  bool is_keyed() const override { return std::is_same_v<IN1, PyKeyed>; }
  void open() override;
  void close() override;
  void on_event_time(const runtime::Timer& t) override { fire(t, true); }
  void on_processing_time(const runtime::Timer& t) override { fire(t, false); }
  ~PyTwoInputOperator() override {
    gil_.release();
    TaskGil gil;
    fn1_ = fn2_ = timer_fn_ = ctx_obj_ = py::object();
  }

 private:
  template <typename IN, bool kSecond>
  struct In final : runtime::Input<IN> {
    explicit In(PyTwoInputOperator* o) : self(o) {}
    void process_element(const IN& v, Timestamp ts) override { self->process(v, ts, kSecond); }
    PyTwoInputOperator* self;
  };
  template <typename IN>
  void process(const IN& v, Timestamp ts, bool second);
  void fire(const runtime::Timer& t, bool event_time);
  void release_and_flush() override {
    gil_.release();
    support_.flush();
  }

  PyOperatorSupport support_;
  bool broadcast_input2_;
  In<IN1, false> in1_;
  In<IN2, true> in2_;
  ops::KeyContext<std::string> keys_;
  std::unique_ptr<PyContext> ctx_;
  py::object ctx_obj_;
  py::object fn1_, fn2_, timer_fn_;
  runtime::InternalTimerService* timers_ = nullptr;
};

class PySinkOperator final : public runtime::StreamOperator, public runtime::Input<PyValue> {
 public:
  PySinkOperator(PyRef spec) : support_(std::move(spec), OutputSpec{}) {}
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  void open() override;
  void process_element(const PyValue& v, Timestamp ts) override;
  void finish() override;
  void close() override;
  ~PySinkOperator() override {
    runtime::remove_batch_end_hook(this);
    gil_.release();
    TaskGil gil;
    invoke_ = ctx_obj_ = py::object();
  }

 private:
  BatchGil gil_;
  PyOperatorSupport support_;
  py::object invoke_;
  std::unique_ptr<PyContext> ctx_;
  py::object ctx_obj_;
};

}  // namespace weir::python
