#pragma once
// Tumbling windows: fixed-size, non-overlapping windows aligned to the epoch (plus an optional
// offset), in event time or processing time.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "weir/api/windowing/event_time_trigger.h"
#include "weir/api/windowing/processing_time_trigger.h"
#include "weir/api/windowing/time_window.h"

namespace weir {
namespace windowing {

template <bool EventTime>
class TumblingWindows {
 public:
  using Window = TimeWindow;
  static constexpr bool kEventTime = EventTime;
  static constexpr bool kMerging = false;
  static constexpr const char* kName =
      EventTime ? "TumblingEventTimeWindows" : "TumblingProcessingTimeWindows";

  //! Windows of `size` ms starting at offset + k * size.
  static TumblingWindows of(int64_t size, int64_t offset = 0) {
    if (size <= 0 || std::llabs(offset) >= size)
      throw JobDefinitionError(std::string(kName) + " needs size > 0 and abs(offset) < size, got size " +
                               std::to_string(size) + " and offset " + std::to_string(offset));
    return TumblingWindows(size, offset);
  }

  template <typename T>
  void assign_windows(const T&, Timestamp ts, Timestamp now, std::vector<TimeWindow>& out) const {
    Timestamp t = EventTime ? ts : now;
    Timestamp start = TimeWindow::start_with_offset(t, offset_, size_);
    out.push_back({start, start + size_});
  }
  auto default_trigger() const {
    if constexpr (EventTime) {
      return EventTimeTrigger{};
    } else {
      return ProcessingTimeTrigger{};
    }
  }
  int64_t size() const { return size_; }
  int64_t offset() const { return offset_; }

 private:
  TumblingWindows(int64_t size, int64_t offset) : size_(size), offset_(offset) {}
  int64_t size_;
  int64_t offset_;
};

}  // namespace windowing

using TumblingEventTimeWindows = windowing::TumblingWindows<true>;
using TumblingProcessingTimeWindows = windowing::TumblingWindows<false>;

}  // namespace weir
