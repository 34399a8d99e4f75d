#include "weir/cluster/taskmanager/watermark_valve.h"

#include <algorithm>

namespace weir::cluster {

ValveOutput advance_valve(LogicalInputState& in, const std::deque<InputChannelState>& channels) {
  ValveOutput out;
  Timestamp wm = kMaxTimestamp;
  bool any_active = false, all_ended = true;
  for (int c : in.channels) {
    const auto& cs = channels[c];
    const bool done = cs.ended || cs.end_of_data;
    if (!done) all_ended = false;
    if (done || cs.idle) continue;
    any_active = true;
    wm = std::min(wm, cs.watermark);
  }
  const bool idle = !any_active && !all_ended;
  if (idle != in.idle_emitted) {
    in.idle_emitted = idle;
    out.idle = idle;
  }
  if (any_active && wm > in.emitted) {
    in.emitted = wm;
    out.watermark = wm;
  }
  if (all_ended && !in.ended) {
    in.ended = true;
    out.ended = true;
  }
  return out;
}

}  // namespace weir::cluster
