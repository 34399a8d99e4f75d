#pragma once
// The watermark valve of a task's logical inputs (Flink's StatusWatermarkValve): each logical input (one
// per input of the head operator) merges the watermarks and idleness of its channels into what the head
// operator is told. The input's watermark is the minimum over its channels that are neither idle nor at
// their end, and never goes back; the input is idle when every channel not at its end is idle; it ends
// when every channel has ended. The channels' state lives in the task's input (input_channel_state.h: it
// also serves barrier alignment); the valve reads it and keeps, per input, what was already emitted.
//
// Threading: the task thread only.
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weir/cluster/taskmanager/input_channel_state.h"
#include "weir/common/time.h"

namespace weir::cluster {

//! One logical input: its channels and what the valve emitted for it.
struct LogicalInputState {
  std::vector<int> channels;  //!< indices into the task's channel states
  Timestamp emitted = kMinTimestamp;
  bool idle_emitted = false;
  bool ended = false;
};

//! What the head operator must be told after a channel of `in` changed.
struct ValveOutput {
  std::optional<bool> idle;            //!< the input's idleness changed to this
  std::optional<Timestamp> watermark;  //!< the input's watermark advanced to this
  bool ended = false;                  //!< every channel has ended (reported once)
};

//! Recomputes `in` from its channels' states, records what it emits in `in`, and returns it.
ValveOutput advance_valve(LogicalInputState& in, const std::deque<InputChannelState>& channels);

}  // namespace weir::cluster
