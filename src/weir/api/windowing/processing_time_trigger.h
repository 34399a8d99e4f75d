#pragma once
// ProcessingTimeTrigger: fires when the task's clock reaches the window's end (the default of
// processing-time assigners).
#include "weir/api/windowing/trigger.h"

namespace weir {

class ProcessingTimeTrigger {
 public:
  static ProcessingTimeTrigger create() { return {}; }

  template <typename T, typename W>
  TriggerResult on_element(const T&, Timestamp, const W& w, TriggerContext& ctx) const {
    ctx.register_processing_time_timer(w.max_timestamp());
    return TriggerResult::kContinue;
  }
  template <typename W>
  TriggerResult on_event_time(Timestamp, const W&, TriggerContext&) const {
    return TriggerResult::kContinue;
  }
  template <typename W>
  TriggerResult on_processing_time(Timestamp, const W&, TriggerContext&) const {
    return TriggerResult::kFire;
  }
  bool can_merge() const { return true; }
  bool acts_on_first_element_only() const { return true; }
  template <typename W>
  void on_merge(const W& w, OnMergeContext& ctx) const {
    if (w.max_timestamp() > ctx.current_processing_time())
      ctx.register_processing_time_timer(w.max_timestamp());
  }
  template <typename W>
  void clear(const W& w, TriggerContext& ctx) const {
    ctx.delete_processing_time_timer(w.max_timestamp());
  }
};

}  // namespace weir
