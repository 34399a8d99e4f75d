#pragma once
// Triggers decide when a window's contents are emitted (FIRE) and when they are dropped (PURGE), as
// in Flink. A trigger sees each element added to a window, the timers it registered, and merges of
// windows (session windows); it keeps what it needs in partitioned state scoped to the key and window.
//
// A trigger is any class with the methods of Trigger<T, W> below. Built-in triggers (EventTimeTrigger,
// CountTrigger, ...) implement them as member templates so that they work for every element and window
// type; a user trigger usually derives from Trigger<T, W>. The window operator holds it as a
// Trigger<T, W> (make_trigger wraps the built-in ones).
//
// Threading: task thread only, like the window operator that owns it.
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "weir/common/error.h"
#include "weir/runtime/internal_timer_service.h"
#include "weir/state/state_factory.h"

namespace weir {

enum class TriggerResult { kContinue, kFire, kPurge, kFireAndPurge };

inline bool is_fire(TriggerResult r) {
  return r == TriggerResult::kFire || r == TriggerResult::kFireAndPurge;
}
inline bool is_purge(TriggerResult r) {
  return r == TriggerResult::kPurge || r == TriggerResult::kFireAndPurge;
}

//! What a trigger may do for the current key and window: read time, set timers, use state.
//! The window operator points it at a window before each call.
class TriggerContext {
 public:
  Timestamp current_processing_time() const { return timers_->current_processing_time(); }
  Timestamp current_watermark() const { return timers_->current_watermark(); }
  void register_event_time_timer(Timestamp t) { timers_->register_event_time_timer(ns_, t); }
  void register_processing_time_timer(Timestamp t) { timers_->register_processing_time_timer(ns_, t); }
  void delete_event_time_timer(Timestamp t) { timers_->delete_event_time_timer(ns_, t); }
  void delete_processing_time_timer(Timestamp t) { timers_->delete_processing_time_timer(ns_, t); }

  //! State of the current key in the current window. Names beginning with "window-" are reserved.
  template <typename V>
  ValueState<V>& get_partitioned_state(const ValueStateDescriptor<V>& d) {
    return scoped(state::value_state(*backend_, d));
  }
  template <typename V>
  ListState<V>& get_partitioned_state(const ListStateDescriptor<V>& d) {
    return scoped(state::list_state(*backend_, d));
  }
  template <typename V>
  ReducingState<V>& get_partitioned_state(const ReducingStateDescriptor<V>& d) {
    return scoped(state::reducing_state(*backend_, d));
  }
  template <typename IN, typename ACC, typename OUT>
  AggregatingState<IN, OUT>& get_partitioned_state(const AggregatingStateDescriptor<IN, ACC, OUT>& d) {
    return scoped(state::aggregating_state(*backend_, d));
  }

  // ---- set by the window operator ----
  void bind(runtime::InternalTimerService* timers, state::KeyedStateBackend* backend) {
    timers_ = timers;
    backend_ = backend;
  }
  //! Points the context at a window, given as its serialized form (the state and timer namespace).
  void set_namespace(std::string_view ns) { ns_.assign(ns.data(), ns.size()); }
  const std::string& ns() const { return ns_; }

 protected:
  template <typename S>
  S& scoped(S* s) {
    s->set_current_namespace(ns_);
    return *s;
  }
  runtime::InternalTimerService* timers_ = nullptr;
  state::KeyedStateBackend* backend_ = nullptr;
  std::string ns_;
};

//! The context of on_merge: the current window is the merge result; merge_partitioned_state folds the
//! state of the windows that were merged into it.
class OnMergeContext : public TriggerContext {
 public:
  template <typename V>
  void merge_partitioned_state(const ReducingStateDescriptor<V>& d) {
    state::reducing_state(*backend_, d)->merge_namespaces(ns_, merged_);
  }
  template <typename V>
  void merge_partitioned_state(const ListStateDescriptor<V>& d) {
    state::list_state(*backend_, d)->merge_namespaces(ns_, merged_);
  }
  template <typename IN, typename ACC, typename OUT>
  void merge_partitioned_state(const AggregatingStateDescriptor<IN, ACC, OUT>& d) {
    state::aggregating_state(*backend_, d)->merge_namespaces(ns_, merged_);
  }

  //! Serialized windows being merged into the current one (set by the window operator).
  std::vector<std::string>& merged_namespaces() { return merged_; }

 private:
  std::vector<std::string> merged_;
};

//! Base of user triggers for elements T in windows W.
template <typename T, typename W>
class Trigger {
 public:
  virtual ~Trigger() = default;
  virtual TriggerResult on_element(const T& element, Timestamp ts, const W& window, TriggerContext& ctx) = 0;
  virtual TriggerResult on_event_time(Timestamp time, const W& window, TriggerContext& ctx) = 0;
  virtual TriggerResult on_processing_time(Timestamp time, const W& window, TriggerContext& ctx) = 0;
  //! True when the trigger supports merging windows (session windows need it).
  virtual bool can_merge() const { return false; }
  virtual void on_merge(const W& window, OnMergeContext& ctx) {
    throw JobDefinitionError("this trigger does not support merging windows");
  }
  //! Removes the trigger's timers and state for `window` (the window is being purged for good).
  virtual void clear(const W& window, TriggerContext& ctx) = 0;
  //! True when on_element does the same for every element of a window: it registers timers that depend on
  //! the window alone, keeps no state and returns kContinue. On windows that do not merge, the window
  //! operator then calls it for the element that creates a window's contents only; for the others the same
  //! registrations would find the timers there already (timers are deduplicated).
  virtual bool acts_on_first_element_only() const { return false; }
};

namespace windowing {

//! Holds a built-in (duck-typed) trigger as a Trigger<T, W>.
template <typename T, typename W, typename Tr>
class TriggerHolder final : public Trigger<T, W> {
 public:
  explicit TriggerHolder(Tr t) : t_(std::move(t)) {}
  TriggerResult on_element(const T& e, Timestamp ts, const W& w, TriggerContext& ctx) override {
    return t_.on_element(e, ts, w, ctx);
  }
  TriggerResult on_event_time(Timestamp time, const W& w, TriggerContext& ctx) override {
    return t_.on_event_time(time, w, ctx);
  }
  TriggerResult on_processing_time(Timestamp time, const W& w, TriggerContext& ctx) override {
    return t_.on_processing_time(time, w, ctx);
  }
  bool can_merge() const override { return t_.can_merge(); }
  void on_merge(const W& w, OnMergeContext& ctx) override { t_.on_merge(w, ctx); }
  void clear(const W& w, TriggerContext& ctx) override { t_.clear(w, ctx); }
  bool acts_on_first_element_only() const override {
    if constexpr (requires { t_.acts_on_first_element_only(); }) {
      return t_.acts_on_first_element_only();
    } else {
      return false;
    }
  }

 private:
  Tr t_;
};

//! A fresh Trigger<T, W> from a trigger value (copied: each operator subtask gets its own).
template <typename T, typename W, typename Tr>
std::unique_ptr<Trigger<T, W>> make_trigger(const Tr& t) {
  if constexpr (std::is_base_of_v<Trigger<T, W>, Tr>) {
    return std::make_unique<Tr>(t);
  } else {
    return std::make_unique<TriggerHolder<T, W, Tr>>(t);
  }
}

}  // namespace windowing
}  // namespace weir
