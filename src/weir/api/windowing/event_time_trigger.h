#pragma once
// EventTimeTrigger: fires once the watermark passes the window's end (the default of event-time
// assigners). An element that arrives for a window whose end the watermark already passed (allowed
// lateness) fires the window again at once, as in Flink.
#include "weir/api/windowing/trigger.h"

namespace weir {

class EventTimeTrigger {
 public:
  static EventTimeTrigger create() { return {}; }

  template <typename T, typename W>
  TriggerResult on_element(const T&, Timestamp, const W& w, TriggerContext& ctx) const {
    if (w.max_timestamp() <= ctx.current_watermark()) return TriggerResult::kFire;
    ctx.register_event_time_timer(w.max_timestamp());
    return TriggerResult::kContinue;
  }
  template <typename W>
  TriggerResult on_event_time(Timestamp time, const W& w, TriggerContext&) const {
    return time == w.max_timestamp() ? TriggerResult::kFire : TriggerResult::kContinue;
  }
  template <typename W>
  TriggerResult on_processing_time(Timestamp, const W&, TriggerContext&) const {
    return TriggerResult::kContinue;
  }
  bool can_merge() const { return true; }
  template <typename W>
  void on_merge(const W& w, OnMergeContext& ctx) const {
    // Only a window that can still fire needs a timer; the merged windows' timers are cleared.
    if (w.max_timestamp() > ctx.current_watermark()) ctx.register_event_time_timer(w.max_timestamp());
  }
  template <typename W>
  void clear(const W& w, TriggerContext& ctx) const {
    ctx.delete_event_time_timer(w.max_timestamp());
  }
};

}  // namespace weir
