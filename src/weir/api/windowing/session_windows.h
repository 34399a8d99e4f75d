#pragma once
// Session windows: each element opens [t, t + gap); windows that overlap or touch merge, so a session
// ends after `gap` without elements of its key. The gap is fixed (with_gap) or computed from each
// element (with_dynamic_gap). Event time or processing time.
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "weir/api/windowing/event_time_trigger.h"
#include "weir/api/windowing/processing_time_trigger.h"
#include "weir/api/windowing/time_window.h"
#include "weir/api/windowing/window_assigner.h"

namespace weir {
namespace windowing {

template <bool EventTime>
struct SessionBase {
  using Window = TimeWindow;
  static constexpr bool kEventTime = EventTime;
  static constexpr bool kMerging = true;
  static constexpr bool kMergesIntersectingTimeWindows = true;  // merge_windows below
  static constexpr const char* kName = EventTime ? "EventTimeSessionWindows" : "ProcessingTimeSessionWindows";

  WindowMerges<TimeWindow> merge_windows(const std::vector<TimeWindow>& windows) const {
    return TimeWindow::merge_windows(windows);
  }
  auto default_trigger() const {
    if constexpr (EventTime) {
      return EventTimeTrigger{};
    } else {
      return ProcessingTimeTrigger{};
    }
  }
  static void check_gap(int64_t gap) {
    if (gap <= 0)
      throw JobDefinitionError(std::string(kName) + ": the session gap must be positive, got " +
                               std::to_string(gap));
  }
};

//! Sessions with a gap computed per element by `F` (called with the element, returns ms).
template <bool EventTime, typename F>
class DynamicSessionWindows : public SessionBase<EventTime> {
 public:
  explicit DynamicSessionWindows(F f) : gap_fn_(std::move(f)) {}
  template <typename T>
  void assign_windows(const T& e, Timestamp ts, Timestamp now, std::vector<TimeWindow>& out) const {
    int64_t gap = static_cast<int64_t>(gap_fn_(e));
    SessionBase<EventTime>::check_gap(gap);
    Timestamp t = EventTime ? ts : now;
    out.push_back({t, t + gap});
  }

 private:
  F gap_fn_;
};

template <bool EventTime>
class SessionWindows : public SessionBase<EventTime> {
 public:
  static SessionWindows with_gap(int64_t gap) {
    SessionBase<EventTime>::check_gap(gap);
    return SessionWindows(gap);
  }
  //! The gap of each session comes from its elements: `f(element)` in ms, which must be positive.
  template <typename F>
  static DynamicSessionWindows<EventTime, F> with_dynamic_gap(F f) {
    return DynamicSessionWindows<EventTime, F>(std::move(f));
  }
  template <typename T>
  void assign_windows(const T&, Timestamp ts, Timestamp now, std::vector<TimeWindow>& out) const {
    Timestamp t = EventTime ? ts : now;
    out.push_back({t, t + gap_});
  }
  int64_t gap() const { return gap_; }

 private:
  explicit SessionWindows(int64_t gap) : gap_(gap) {}
  int64_t gap_;
};

}  // namespace windowing

using EventTimeSessionWindows = windowing::SessionWindows<true>;
using ProcessingTimeSessionWindows = windowing::SessionWindows<false>;

}  // namespace weir
