#pragma once
// TimeWindow: the half-open interval [start, end) of event or processing time that tumbling, sliding
// and session assigners produce. Results of a window carry its max_timestamp() = end - 1.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "weir/common/struct_fields.h"
#include "weir/common/time.h"

namespace weir {

struct TimeWindow {
  Timestamp start = 0;
  Timestamp end = 0;

  //! The largest timestamp that still belongs to the window.
  Timestamp max_timestamp() const { return end - 1; }
  //! True when the windows overlap or touch (Flink merges touching sessions too).
  bool intersects(const TimeWindow& o) const { return start <= o.end && end >= o.start; }
  //! The smallest window that contains both.
  TimeWindow cover(const TimeWindow& o) const { return {std::min(start, o.start), std::max(end, o.end)}; }
  std::string to_string() const {
    return "TimeWindow{start=" + std::to_string(start) + ", end=" + std::to_string(end) + "}";
  }

  auto operator<=>(const TimeWindow&) const = default;

  //! Start of the window of length `size` (shifted by `offset`) that contains `ts`; also right for
  //! negative timestamps, where Flink's older formula `ts - (ts - offset + size) % size` is not.
  static Timestamp start_with_offset(Timestamp ts, int64_t offset, int64_t size) {
    int64_t rem = (ts - offset) % size;
    return rem < 0 ? ts - (rem + size) : ts - rem;
  }

  //! Groups overlapping windows, as Flink's TimeWindow.mergeWindows: returns (cover, members) for every
  //! group of more than one window.
  static std::vector<std::pair<TimeWindow, std::vector<TimeWindow>>> merge_windows(
      std::vector<TimeWindow> windows) {
    std::sort(windows.begin(), windows.end());
    std::vector<std::pair<TimeWindow, std::vector<TimeWindow>>> groups;
    for (const auto& w : windows) {
      if (!groups.empty() && groups.back().first.intersects(w)) {
        groups.back().first = groups.back().first.cover(w);
        groups.back().second.push_back(w);
      } else {
        groups.push_back({w, {w}});
      }
    }
    std::erase_if(groups, [](const auto& g) { return g.second.size() < 2; });
    return groups;
  }
};
WEIR_STRUCT(TimeWindow, start, end)

}  // namespace weir
