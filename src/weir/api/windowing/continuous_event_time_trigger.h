#pragma once
// ContinuousEventTimeTrigger::of(interval): fires a window every `interval` of event time (early
// results) and once more at its end.
#include <algorithm>
#include <string>

#include "weir/api/windowing/trigger.h"

namespace weir {

class ContinuousEventTimeTrigger {
 public:
  static ContinuousEventTimeTrigger of(int64_t interval_ms) {
    if (interval_ms <= 0)
      throw JobDefinitionError("ContinuousEventTimeTrigger::of needs a positive interval, got " +
                               std::to_string(interval_ms));
    return ContinuousEventTimeTrigger(interval_ms);
  }

  template <typename T, typename W>
  TriggerResult on_element(const T&, Timestamp ts, const W& w, TriggerContext& ctx) const {
    if (w.max_timestamp() <= ctx.current_watermark()) return TriggerResult::kFire;
    ctx.register_event_time_timer(w.max_timestamp());
    auto& next = ctx.get_partitioned_state(desc_);
    if (!next.get()) {
      Timestamp start = ts - (ts % interval_);
      if (ts % interval_ < 0) start -= interval_;
      register_next(start + interval_, w, ctx);
    }
    return TriggerResult::kContinue;
  }
  template <typename W>
  TriggerResult on_event_time(Timestamp time, const W& w, TriggerContext& ctx) const {
    if (time == w.max_timestamp()) return TriggerResult::kFire;
    auto& next = ctx.get_partitioned_state(desc_);
    auto fire_at = next.get();
    if (fire_at && *fire_at == time) {
      next.clear();
      register_next(time + interval_, w, ctx);
      return TriggerResult::kFire;
    }
    return TriggerResult::kContinue;
  }
  template <typename W>
  TriggerResult on_processing_time(Timestamp, const W&, TriggerContext&) const {
    return TriggerResult::kContinue;
  }
  bool can_merge() const { return true; }
  template <typename W>
  void on_merge(const W&, OnMergeContext& ctx) const {
    ctx.merge_partitioned_state(desc_);
    if (auto next = ctx.get_partitioned_state(desc_).get()) ctx.register_event_time_timer(*next);
  }
  template <typename W>
  void clear(const W&, TriggerContext& ctx) const {
    auto& next = ctx.get_partitioned_state(desc_);
    if (auto t = next.get()) {
      ctx.delete_event_time_timer(*t);
      next.clear();
    }
  }

 private:
  explicit ContinuousEventTimeTrigger(int64_t interval)
      : interval_(interval),
        desc_("continuous-event-time-trigger",
              [](const Timestamp& a, const Timestamp& b) { return std::min(a, b); }) {}
  template <typename W>
  void register_next(Timestamp time, const W& w, TriggerContext& ctx) const {
    Timestamp at = std::min(time, w.max_timestamp());
    ctx.get_partitioned_state(desc_).add(at);
    ctx.register_event_time_timer(at);
  }
  int64_t interval_;
  ReducingStateDescriptor<Timestamp> desc_;
};

}  // namespace weir
