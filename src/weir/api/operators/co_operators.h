#pragma once
// Two-input operators: connect() with co-map, co-flat-map, co-process (keyed or not), and the
// broadcast pattern. Input 0 is the first stream, input 1 the second (or the broadcast stream).
#include <functional>
#include <optional>

#include "weir/api/operators/basic_operators.h"
#include "weir/api/operators/keyed_operators.h"
#include "weir/api/operators/keyed_support.h"

namespace weir::ops {

//! Adapts input `I` of a two-input operator to the typed Input interface.
template <typename Op, typename T, int I>
class CoInput final : public runtime::Input<T> {
 public:
  explicit CoInput(Op* op) : op_(op) {}
  void process_element(const T& v, Timestamp ts) override {
    if constexpr (I == 0)
      op_->process1(v, ts);
    else
      op_->process2(v, ts);
  }

 private:
  Op* op_;
};

template <typename IN1, typename IN2, typename OUT, typename F>
class CoStreamMap final : public UdfOperator<OUT, F> {
 public:
  using UdfOperator<OUT, F>::UdfOperator;
  int num_inputs() const override { return 2; }
  runtime::InputBase* input(int i) override {
    return i == 0 ? static_cast<runtime::InputBase*>(&in1_) : i == 1 ? &in2_ : nullptr;
  }
  void process1(const IN1& v, Timestamp ts) { this->out_->collect(this->fn_.map1(v), ts); }
  void process2(const IN2& v, Timestamp ts) { this->out_->collect(this->fn_.map2(v), ts); }

 private:
  CoInput<CoStreamMap, IN1, 0> in1_{this};
  CoInput<CoStreamMap, IN2, 1> in2_{this};
};

template <typename IN1, typename IN2, typename OUT, typename F>
class CoStreamFlatMap final : public UdfOperator<OUT, F> {
 public:
  using UdfOperator<OUT, F>::UdfOperator;
  int num_inputs() const override { return 2; }
  runtime::InputBase* input(int i) override {
    return i == 0 ? static_cast<runtime::InputBase*>(&in1_) : i == 1 ? &in2_ : nullptr;
  }
  void process1(const IN1& v, Timestamp ts) {
    this->collector_.set_timestamp(ts);
    this->fn_.flat_map1(v, this->collector_);
  }
  void process2(const IN2& v, Timestamp ts) {
    this->collector_.set_timestamp(ts);
    this->fn_.flat_map2(v, this->collector_);
  }

 private:
  CoInput<CoStreamFlatMap, IN1, 0> in1_{this};
  CoInput<CoStreamFlatMap, IN2, 1> in2_{this};
};

//! co-process; when both inputs are keyed (K != void-like), state and timers are per key.
template <typename K, typename IN1, typename IN2, typename OUT, typename F>
class CoProcessOperator final : public UdfOperator<OUT, F>, public runtime::Triggerable {
 public:
  using KeyFn1 = std::function<K(const IN1&)>;
  using KeyFn2 = std::function<K(const IN2&)>;
  CoProcessOperator(F f, KeyFn1 k1, KeyFn2 k2) : UdfOperator<OUT, F>(std::move(f)), k1_(k1), k2_(k2) {}
  int num_inputs() const override { return 2; }
  bool is_keyed() const override { return static_cast<bool>(k1_); }
  runtime::InputBase* input(int i) override {
    return i == 0 ? static_cast<runtime::InputBase*>(&in1_) : i == 1 ? &in2_ : nullptr;
  }
  void open() override {
    if (is_keyed())
      timers_ = std::make_unique<KeyedTimerService>(this->create_timer_service(this));
    else
      timers_ = std::make_unique<NonKeyedTimerService>(this);
    ctx_.self = this;
    UdfOperator<OUT, F>::open();
  }
  void process1(const IN1& v, Timestamp ts) {
    if (k1_) keys_.set_key(this, k1_(v));
    prepare(ts);
    this->fn_.process_element1(v, ctx_, this->collector_);
  }
  void process2(const IN2& v, Timestamp ts) {
    if (k2_) keys_.set_key(this, k2_(v));
    prepare(ts);
    this->fn_.process_element2(v, ctx_, this->collector_);
  }
  void on_event_time(const runtime::Timer& t) override { fire(t, TimeDomain::kEventTime); }
  void on_processing_time(const runtime::Timer& t) override { fire(t, TimeDomain::kProcessingTime); }

 private:
  void prepare(Timestamp ts) {
    this->collector_.set_timestamp(ts);
    ctx_.bind(&this->rt_.side_outputs, ts);
  }
  void fire(const runtime::Timer& t, TimeDomain d) {
    keys_.load_key(this);
    ctx_.domain = d;
    prepare(d == TimeDomain::kEventTime ? t.ts : kNoTimestamp);
    this->fn_.on_timer(t.ts, ctx_, this->collector_);
  }
  struct Ctx final : CoProcessFunction<IN1, IN2, OUT>::OnTimerContext {
    TimerService& timer_service() override { return *self->timers_; }
    TimeDomain time_domain() const override { return domain; }
    CoProcessOperator* self = nullptr;
    TimeDomain domain = TimeDomain::kEventTime;
  };
  KeyFn1 k1_;
  KeyFn2 k2_;
  KeyContext<K> keys_;
  std::unique_ptr<TimerService> timers_;
  Ctx ctx_;
  CoInput<CoProcessOperator, IN1, 0> in1_{this};
  CoInput<CoProcessOperator, IN2, 1> in2_{this};
};

//! Non-keyed stream (input 0) processed against broadcast state written by the broadcast stream (input 1).
template <typename IN1, typename IN2, typename OUT, typename F>
class BroadcastOperator final : public UdfOperator<OUT, F> {
 public:
  using UdfOperator<OUT, F>::UdfOperator;
  int num_inputs() const override { return 2; }
  runtime::InputBase* input(int i) override {
    return i == 0 ? static_cast<runtime::InputBase*>(&in1_) : i == 1 ? &in2_ : nullptr;
  }
  void open() override {
    ctx_.self = this;
    ctx_.bind_store(&this->operator_state());
    UdfOperator<OUT, F>::open();
  }
  void process1(const IN1& v, Timestamp ts) {
    this->collector_.set_timestamp(ts);
    ctx_.bind(&this->rt_.side_outputs, ts);
    this->fn_.process_element(v, ctx_, this->collector_);
  }
  void process2(const IN2& v, Timestamp ts) {
    this->collector_.set_timestamp(ts);
    ctx_.bind(&this->rt_.side_outputs, ts);
    this->fn_.process_broadcast_element(v, ctx_, this->collector_);
  }

 private:
  struct Ctx final : BroadcastProcessFunction<IN1, IN2, OUT>::Context {
    Timestamp current_processing_time() const override { return self->rt_.processing_time->now(); }
    Timestamp current_watermark() const override { return self->current_watermark(); }
    BroadcastOperator* self = nullptr;
  };
  Ctx ctx_;
  CoInput<BroadcastOperator, IN1, 0> in1_{this};
  CoInput<BroadcastOperator, IN2, 1> in2_{this};
};

}  // namespace weir::ops
