#pragma once
// CountTrigger: fires every `n` elements of a window (count windows). The count lives in the
// window's partitioned state, so merged windows add their counts.
#include <cstdint>
#include <string>

#include "weir/api/windowing/trigger.h"

namespace weir {

class CountTrigger {
 public:
  static CountTrigger of(int64_t n) {
    if (n <= 0)
      throw JobDefinitionError("CountTrigger::of needs a count of at least 1, got " + std::to_string(n));
    return CountTrigger(n);
  }

  template <typename T, typename W>
  TriggerResult on_element(const T&, Timestamp, const W&, TriggerContext& ctx) const {
    auto& count = ctx.get_partitioned_state(desc_);
    count.add(1);
    if (*count.get() >= n_) {
      count.clear();
      return TriggerResult::kFire;
    }
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
  void on_merge(const W&, OnMergeContext& ctx) const {
    ctx.merge_partitioned_state(desc_);
  }
  template <typename W>
  void clear(const W&, TriggerContext& ctx) const {
    ctx.get_partitioned_state(desc_).clear();
  }
  int64_t count() const { return n_; }

 private:
  explicit CountTrigger(int64_t n)
      : n_(n), desc_("count-trigger", [](const int64_t& a, const int64_t& b) { return a + b; }) {}
  int64_t n_;
  ReducingStateDescriptor<int64_t> desc_;
};

}  // namespace weir
