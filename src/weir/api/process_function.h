#pragma once
// Process functions: the lowest-level user functions, with access to timestamps, timers (on keyed
// streams), side outputs and state.
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "weir/functions/functions.h"
#include "weir/runtime/operator_state_store.h"
#include "weir/runtime/output.h"
#include "weir/state/state.h"

namespace weir {

enum class TimeDomain { kEventTime, kProcessingTime };

class TimerService {
 public:
  virtual ~TimerService() = default;
  virtual Timestamp current_processing_time() const = 0;
  virtual Timestamp current_watermark() const = 0;
  virtual void register_event_time_timer(Timestamp ts) = 0;
  virtual void register_processing_time_timer(Timestamp ts) = 0;
  virtual void delete_event_time_timer(Timestamp ts) = 0;
  virtual void delete_processing_time_timer(Timestamp ts) = 0;
};

//! Common part of every process-function context: the record's timestamp and side outputs.
class ContextBase {
 public:
  virtual ~ContextBase() = default;
  //! Event timestamp of the current record (or timer), or kNoTimestamp.
  Timestamp timestamp() const { return ts_; }
  //! Emits `value` to the side output named by `tag` (dropped when nothing consumes it).
  template <typename X>
  void output(const OutputTag<X>& tag, const X& value) {
    auto it = sides_->find(tag.id);
    if (it != sides_->end()) static_cast<runtime::Output<X>*>(it->second)->collect(value, ts_);
  }

  // Set by the operator before each call.
  void bind(const std::unordered_map<std::string, runtime::OutputBase*>* sides, Timestamp ts) {
    sides_ = sides;
    ts_ = ts;
  }

 private:
  const std::unordered_map<std::string, runtime::OutputBase*>* sides_ = nullptr;
  Timestamp ts_ = kNoTimestamp;
};

template <typename IN, typename OUT>
class ProcessFunction : public RichFunction {
 public:
  using In = IN;
  using Out = OUT;
  class Context : public ContextBase {
   public:
    virtual TimerService& timer_service() = 0;
  };
  virtual void process_element(const IN& value, Context& ctx, Collector<OUT>& out) = 0;
};

template <typename K, typename IN, typename OUT>
class KeyedProcessFunction : public RichFunction {
 public:
  using Key = K;
  using In = IN;
  using Out = OUT;
  class Context : public ContextBase {
   public:
    virtual TimerService& timer_service() = 0;
    virtual const K& get_current_key() const = 0;
  };
  class OnTimerContext : public Context {
   public:
    virtual TimeDomain time_domain() const = 0;
  };
  virtual void process_element(const IN& value, Context& ctx, Collector<OUT>& out) = 0;
  virtual void on_timer(Timestamp timestamp, OnTimerContext& ctx, Collector<OUT>& out) {}
};

template <typename IN1, typename IN2, typename OUT>
class CoProcessFunction : public RichFunction {
 public:
  using Out = OUT;
  class Context : public ContextBase {
   public:
    virtual TimerService& timer_service() = 0;
  };
  class OnTimerContext : public Context {
   public:
    virtual TimeDomain time_domain() const = 0;
  };
  virtual void process_element1(const IN1& value, Context& ctx, Collector<OUT>& out) = 0;
  virtual void process_element2(const IN2& value, Context& ctx, Collector<OUT>& out) = 0;
  //! Timers are available when both inputs are keyed (connect of two keyed streams).
  virtual void on_timer(Timestamp timestamp, OnTimerContext& ctx, Collector<OUT>& out) {}
};

//! Processes a non-broadcast stream against broadcast state that the broadcast side maintains.
template <typename IN1, typename IN2, typename OUT>
class BroadcastProcessFunction : public RichFunction {
 public:
  using Out = OUT;
  class ReadOnlyContext : public ContextBase {
   public:
    //! Read-only access: only the broadcast side may change broadcast state, so every subtask sees the same.
    template <typename K, typename V>
    const ReadOnlyBroadcastState<K, V>& get_broadcast_state(const MapStateDescriptor<K, V>& d) {
      return *store_->get_or_create<runtime::HeapBroadcastState<K, V>>("broadcast:" + d.name);
    }
    virtual Timestamp current_processing_time() const = 0;
    virtual Timestamp current_watermark() const = 0;
    void bind_store(runtime::OperatorStateStore* store) { store_ = store; }

   protected:
    runtime::OperatorStateStore* store_ = nullptr;
  };
  class Context : public ReadOnlyContext {
   public:
    template <typename K, typename V>
    BroadcastState<K, V>& get_broadcast_state(const MapStateDescriptor<K, V>& d) {
      return *this->store_->template get_or_create<runtime::HeapBroadcastState<K, V>>("broadcast:" + d.name);
    }
  };
  virtual void process_element(const IN1& value, ReadOnlyContext& ctx, Collector<OUT>& out) = 0;
  virtual void process_broadcast_element(const IN2& value, Context& ctx, Collector<OUT>& out) = 0;
};

}  // namespace weir
