#pragma once
// One input channel of a task as the task reads it: the watermark valve (watermark_valve.h) reads its
// watermark, idleness and end; the input (task_input.h) its partial frame and, while the barrier handler
// (barrier_handler.h) blocks it for an aligned checkpoint, the buffers it holds back.
//
// Threading: the task thread only.
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "weir/common/time.h"
#include "weir/network/buffer.h"

namespace weir::cluster {

struct InputChannelState {
  std::string partial;  //!< bytes of a frame that spans buffers
  Timestamp watermark = kMinTimestamp;
  bool idle = false;
  bool ended = false;        //!< end of partition: nothing more at all
  bool end_of_data = false;  //!< no more records; barriers may still come (final checkpoint)
  bool blocked = false;      //!< exactly-once alignment: wait for the other channels' barriers
  //! Buffers (and offsets into them) held while blocked.
  std::deque<std::pair<network::BufferPtr, uint32_t>> stash;
  //! Bytes of the stash's unpooled buffers (events, which travel without credit): bounded by the task.
  uint64_t stashed_event_bytes = 0;
};

}  // namespace weir::cluster
