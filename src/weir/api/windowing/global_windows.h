#pragma once
// GlobalWindows: every element of a key goes to the one GlobalWindow. Its default trigger never
// fires, so it is used with a trigger of its own (count windows use CountTrigger).
#include <vector>

#include "weir/api/windowing/global_window.h"
#include "weir/api/windowing/trigger.h"

namespace weir {

//! The default trigger of GlobalWindows: never fires.
class NeverTrigger {
 public:
  template <typename T, typename W>
  TriggerResult on_element(const T&, Timestamp, const W&, TriggerContext&) const {
    return TriggerResult::kContinue;
  }
  template <typename W>
  TriggerResult on_event_time(Timestamp, const W&, TriggerContext&) const {
    return TriggerResult::kContinue;
  }
  template <typename W>
  TriggerResult on_processing_time(Timestamp, const W&, TriggerContext&) const {
    return TriggerResult::kContinue;
  }
  bool can_merge() const { return true; }
  template <typename W>
  void on_merge(const W&, OnMergeContext&) const {}
  template <typename W>
  void clear(const W&, TriggerContext&) const {}
};

class GlobalWindows {
 public:
  using Window = GlobalWindow;
  static constexpr bool kEventTime = false;
  static constexpr bool kMerging = false;
  static constexpr const char* kName = "GlobalWindows";

  static GlobalWindows create() { return {}; }
  template <typename T>
  void assign_windows(const T&, Timestamp, Timestamp, std::vector<GlobalWindow>& out) const {
    out.push_back({});
  }
  NeverTrigger default_trigger() const { return {}; }
};

}  // namespace weir
