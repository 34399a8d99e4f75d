#pragma once
// One-input operators for the stateless transformations: map, flat_map, filter, process, sinks.
#include <functional>
#include <type_traits>

#include "weir/api/operators/udf_operator.h"
#include "weir/api/process_function.h"

namespace weir::ops {

template <typename IN, typename OUT, typename F>
class StreamMap final : public UdfOperator<OUT, F>, public runtime::Input<IN> {
 public:
  using UdfOperator<OUT, F>::UdfOperator;
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  void process_element(const IN& v, Timestamp ts) override {
    if constexpr (std::is_base_of_v<MapFunction<IN, OUT>, F>)
      this->out_->collect(this->fn_.map(v), ts);
    else
      this->out_->collect(this->fn_(v), ts);
  }
};

template <typename IN, typename OUT, typename F>
class StreamFlatMap final : public UdfOperator<OUT, F>, public runtime::Input<IN> {
 public:
  using UdfOperator<OUT, F>::UdfOperator;
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  void process_element(const IN& v, Timestamp ts) override {
    this->collector_.set_timestamp(ts);
    if constexpr (std::is_base_of_v<FlatMapFunction<IN, OUT>, F>)
      this->fn_.flat_map(v, this->collector_);
    else
      this->fn_(v, this->collector_);
  }
};

template <typename T, typename F>
class StreamFilter final : public UdfOperator<T, F>, public runtime::Input<T> {
 public:
  using UdfOperator<T, F>::UdfOperator;
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  void process_element(const T& v, Timestamp ts) override {
    bool keep;
    if constexpr (std::is_base_of_v<FilterFunction<T>, F>)
      keep = this->fn_.filter(v);
    else
      keep = this->fn_(v);
    if (keep) this->out_->collect(v, ts);
  }
};

//! Timers need a keyed stream; on a non-keyed stream only the clocks can be read.
class NonKeyedTimerService final : public TimerService {
 public:
  explicit NonKeyedTimerService(runtime::StreamOperator* op) : op_(op) {}
  Timestamp current_processing_time() const override { return op_->runtime().processing_time->now(); }
  Timestamp current_watermark() const override { return op_->current_watermark(); }
  void register_event_time_timer(Timestamp) override { fail(); }
  void register_processing_time_timer(Timestamp) override { fail(); }
  void delete_event_time_timer(Timestamp) override { fail(); }
  void delete_processing_time_timer(Timestamp) override { fail(); }

 private:
  [[noreturn]] void fail() const {
    throw JobDefinitionError("setting timers is only supported on keyed streams (operator '" +
                             op_->runtime().name + "'); use key_by() first");
  }
  runtime::StreamOperator* op_;
};

template <typename IN, typename OUT, typename F>
class ProcessOperator final : public UdfOperator<OUT, F>, public runtime::Input<IN> {
 public:
  using UdfOperator<OUT, F>::UdfOperator;
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  void open() override {
    UdfOperator<OUT, F>::open();
    ctx_.op = this;
    ctx_.timers = std::make_unique<NonKeyedTimerService>(this);
  }
  void process_element(const IN& v, Timestamp ts) override {
    this->collector_.set_timestamp(ts);
    ctx_.bind(&this->rt_.side_outputs, ts);
    this->fn_.process_element(v, ctx_, this->collector_);
  }

 private:
  struct Ctx final : ProcessFunction<IN, OUT>::Context {
    TimerService& timer_service() override { return *timers; }
    runtime::StreamOperator* op = nullptr;
    std::unique_ptr<TimerService> timers;
  };
  Ctx ctx_;
};

//! Runs a SinkFunction, or a callable taking (value) or (value, context).
template <typename T, typename F>
class SinkOperator final : public UdfOperator<T, F>, public runtime::Input<T> {
 public:
  using UdfOperator<T, F>::UdfOperator;
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  void process_element(const T& v, Timestamp ts) override {
    typename SinkFunction<T>::Context c{ts, this->current_watermark()};
    if constexpr (std::is_base_of_v<SinkFunction<T>, F>)
      this->fn_.invoke(v, c);
    else if constexpr (std::is_invocable_v<F&, const T&, const typename SinkFunction<T>::Context&>)
      this->fn_(v, c);
    else
      this->fn_(v);
  }
  void finish() override {
    if constexpr (std::is_base_of_v<SinkFunction<T>, F>) this->fn_.finish();
  }
};

}  // namespace weir::ops
