#pragma once
// Operators on keyed streams: process with timers, rolling reduce.
#include <functional>

#include "weir/api/operators/keyed_support.h"
#include "weir/api/operators/udf_operator.h"
#include "weir/api/process_function.h"
#include "weir/state/state_factory.h"

namespace weir::ops {

//! The timer service a keyed function sees: timers in the plain (empty) namespace of the current key.
class KeyedTimerService final : public TimerService {
 public:
  explicit KeyedTimerService(runtime::InternalTimerService* t) : t_(t) {}
  Timestamp current_processing_time() const override { return t_->current_processing_time(); }
  Timestamp current_watermark() const override { return t_->current_watermark(); }
  void register_event_time_timer(Timestamp ts) override { t_->register_event_time_timer({}, ts); }
  void register_processing_time_timer(Timestamp ts) override { t_->register_processing_time_timer({}, ts); }
  void delete_event_time_timer(Timestamp ts) override { t_->delete_event_time_timer({}, ts); }
  void delete_processing_time_timer(Timestamp ts) override { t_->delete_processing_time_timer({}, ts); }

 private:
  runtime::InternalTimerService* t_;
};

template <typename K, typename IN, typename OUT, typename F>
class KeyedProcessOperator final : public UdfOperator<OUT, F>,
                                   public runtime::Input<IN>,
                                   public runtime::Triggerable {
 public:
  KeyedProcessOperator(F f, std::function<K(const IN&)> key_fn)
      : UdfOperator<OUT, F>(std::move(f)), key_fn_(key_fn) {}
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  bool is_keyed() const override { return true; }
  void open() override {
    timer_service_ = std::make_unique<KeyedTimerService>(this->create_timer_service(this));
    ctx_.self = this;
    UdfOperator<OUT, F>::open();
  }
  void process_element(const IN& v, Timestamp ts) override {
    keys_.set_key(this, key_fn_(v));
    this->collector_.set_timestamp(ts);
    ctx_.bind(&this->rt_.side_outputs, ts);
    this->fn_.process_element(v, ctx_, this->collector_);
  }
  void on_event_time(const runtime::Timer& t) override { fire(t, TimeDomain::kEventTime); }
  void on_processing_time(const runtime::Timer& t) override { fire(t, TimeDomain::kProcessingTime); }

 private:
  void fire(const runtime::Timer& t, TimeDomain domain) {
    keys_.load_key(this);
    // Results of event-time timers carry the timer's time; processing-time results carry none.
    Timestamp ts = domain == TimeDomain::kEventTime ? t.ts : kNoTimestamp;
    this->collector_.set_timestamp(ts);
    ctx_.bind(&this->rt_.side_outputs, ts);
    ctx_.domain = domain;
    this->fn_.on_timer(t.ts, ctx_, this->collector_);
  }
  struct Ctx final : KeyedProcessFunction<K, IN, OUT>::OnTimerContext {
    TimerService& timer_service() override { return *self->timer_service_; }
    const K& get_current_key() const override { return self->keys_.key(); }
    TimeDomain time_domain() const override { return domain; }
    KeyedProcessOperator* self = nullptr;
    TimeDomain domain = TimeDomain::kEventTime;
  };
  std::function<K(const IN&)> key_fn_;
  KeyContext<K> keys_;
  std::unique_ptr<KeyedTimerService> timer_service_;
  Ctx ctx_;
};

//! Rolling reduce: emits the reduced value of the key after every record.
template <typename K, typename T, typename F>
class StreamGroupedReduce final : public UdfOperator<T, F>, public runtime::Input<T> {
 public:
  StreamGroupedReduce(F f, std::function<K(const T&)> key_fn)
      : UdfOperator<T, F>(std::move(f)), key_fn_(key_fn) {}
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  bool is_keyed() const override { return true; }
  void open() override {
    UdfOperator<T, F>::open();
    state_ = state::value_state(*this->keyed_backend(), ValueStateDescriptor<T>("_reduce"));
  }
  void process_element(const T& v, Timestamp ts) override {
    keys_.set_key(this, key_fn_(v));
    auto cur = state_->value();
    T next = cur ? call(*cur, v) : v;
    state_->update(next);
    this->out_->collect(next, ts);
  }

 private:
  T call(const T& a, const T& b) {
    if constexpr (std::is_base_of_v<ReduceFunction<T>, F>)
      return this->fn_.reduce(a, b);
    else
      return this->fn_(a, b);
  }
  std::function<K(const T&)> key_fn_;
  KeyContext<K> keys_;
  ValueState<T>* state_ = nullptr;
};

}  // namespace weir::ops
