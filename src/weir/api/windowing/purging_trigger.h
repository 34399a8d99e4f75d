#pragma once
// PurgingTrigger::of(t): turns every FIRE of `t` into FIRE_AND_PURGE, so a window's contents are
// emitted once and dropped (tumbling count windows).
#include "weir/api/windowing/trigger.h"

namespace weir {
namespace windowing {

template <typename Inner>
class PurgingTriggerOf {
 public:
  explicit PurgingTriggerOf(Inner inner) : inner_(std::move(inner)) {}

  template <typename T, typename W>
  TriggerResult on_element(const T& e, Timestamp ts, const W& w, TriggerContext& ctx) {
    return purge(inner_.on_element(e, ts, w, ctx));
  }
  template <typename W>
  TriggerResult on_event_time(Timestamp time, const W& w, TriggerContext& ctx) {
    return purge(inner_.on_event_time(time, w, ctx));
  }
  template <typename W>
  TriggerResult on_processing_time(Timestamp time, const W& w, TriggerContext& ctx) {
    return purge(inner_.on_processing_time(time, w, ctx));
  }
  bool can_merge() const { return inner_.can_merge(); }
  template <typename W>
  void on_merge(const W& w, OnMergeContext& ctx) {
    inner_.on_merge(w, ctx);
  }
  template <typename W>
  void clear(const W& w, TriggerContext& ctx) {
    inner_.clear(w, ctx);
  }

 private:
  static TriggerResult purge(TriggerResult r) { return is_fire(r) ? TriggerResult::kFireAndPurge : r; }
  Inner inner_;
};

}  // namespace windowing

//! PurgingTrigger::of(CountTrigger::of(3)), as in Flink.
struct PurgingTrigger {
  template <typename Inner>
  static windowing::PurgingTriggerOf<Inner> of(Inner inner) {
    return windowing::PurgingTriggerOf<Inner>(std::move(inner));
  }
};

}  // namespace weir
