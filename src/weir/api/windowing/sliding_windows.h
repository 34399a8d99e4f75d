#pragma once
// Sliding windows: windows of `size` that start every `slide`, so an element belongs to about
// size / slide windows; in event time or processing time.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "weir/api/windowing/event_time_trigger.h"
#include "weir/api/windowing/processing_time_trigger.h"
#include "weir/api/windowing/time_window.h"

namespace weir {
namespace windowing {

template <bool EventTime>
class SlidingWindows {
 public:
  using Window = TimeWindow;
  static constexpr bool kEventTime = EventTime;
  static constexpr bool kMerging = false;
  static constexpr const char* kName = EventTime ? "SlidingEventTimeWindows" : "SlidingProcessingTimeWindows";

  static SlidingWindows of(int64_t size, int64_t slide, int64_t offset = 0) {
    if (size <= 0 || slide <= 0 || std::llabs(offset) >= slide)
      throw JobDefinitionError(std::string(kName) +
                               " needs size > 0, slide > 0 and abs(offset) < slide, got size " +
                               std::to_string(size) + ", slide " + std::to_string(slide) + " and offset " +
                               std::to_string(offset));
    return SlidingWindows(size, slide, offset);
  }

  //! Every window [start, start + size) with start = offset + k * slide that contains the time.
  template <typename T>
  void assign_windows(const T&, Timestamp ts, Timestamp now, std::vector<TimeWindow>& out) const {
    Timestamp t = EventTime ? ts : now;
    for (Timestamp start = TimeWindow::start_with_offset(t, offset_, slide_); start > t - size_;
         start -= slide_)
      out.push_back({start, start + size_});
  }
  //! Pane sharing (event time, size a multiple of slide > 1): the pane of `ts`, the slide-long window
  //! [p, p + slide) that every window of ts covers whole; its windows end at p + slide, p + 2 slide, ...,
  //! p + size. False when the windows are not made of panes.
  bool pane_of(Timestamp ts, TimeWindow& pane) const {
    if (!EventTime || size_ % slide_ != 0 || size_ == slide_) return false;
    Timestamp start = TimeWindow::start_with_offset(ts, offset_, slide_);
    pane = {start, start + slide_};
    return true;
  }
  int64_t size() const { return size_; }
  int64_t slide() const { return slide_; }
  auto default_trigger() const {
    if constexpr (EventTime) {
      return EventTimeTrigger{};
    } else {
      return ProcessingTimeTrigger{};
    }
  }

 private:
  SlidingWindows(int64_t size, int64_t slide, int64_t offset) : size_(size), slide_(slide), offset_(offset) {}
  int64_t size_;
  int64_t slide_;
  int64_t offset_;
};

}  // namespace windowing

using SlidingEventTimeWindows = windowing::SlidingWindows<true>;
using SlidingProcessingTimeWindows = windowing::SlidingWindows<false>;

}  // namespace weir
