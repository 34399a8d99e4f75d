#pragma once
// The watermark valve of a task's logical inputs (Flink's StatusWatermarkValve): each logical input (one
// per input of the head operator) merges the watermarks and idleness of its channels into what the head
// operator is told. The input's watermark is the minimum over its channels that are neither idle nor at
// their end, and never goes back; the input is idle when every channel not at its end is idle; it ends
// when every channel has ended. The channels' state lives in the task (it also serves barrier
// alignment); the valve reads it and keeps, per input, what was already emitted.
//
// Threading: the task thread only.
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weir/common/time.h"
#include "weir/network/buffer.h"

namespace weir::cluster {

//! One input channel of a task, as the task reads it.
struct InputChannelState {
  std::string partial;  //!< bytes of a frame that spans buffers
  Timestamp watermark = kMinTimestamp;
  bool idle = false;
  bool ended = false;         //!< end of partition: nothing more at all
  bool end_of_data = false;   //!< no more records; barriers may still come (final checkpoint)
  bool barrier_seen = false;  //!< of the checkpoint being aligned
  bool blocked = false;       //!< exactly-once alignment: wait for the other channels' barriers
  //! Buffers (and offsets into them) held while blocked.
  std::deque<std::pair<network::BufferPtr, uint32_t>> stash;
  //! Bytes of the stash's unpooled buffers (events, which travel without credit): bounded by the task.
  uint64_t stashed_event_bytes = 0;
};

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
