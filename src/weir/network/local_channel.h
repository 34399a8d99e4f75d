#pragma once
// A channel between one producer subpartition and one consumer input, both in this process. The
// producer pushes filled buffers; the consumer's InputGate pops them. Because buffers come from the
// producer's bounded pool, the queue is bounded too.
//
// Unaligned checkpoints: a barrier is pushed as a priority buffer at the tail like any other, but the
// consumer is told at once and may take it out of the queue ahead of the data before it, copying that
// data (the channel's in-flight state) without consuming it. Each queued buffer remembers the last
// checkpoint it was copied for, so no byte is persisted twice for one checkpoint.
//
// A channel can fail (its remote peer is gone): queued buffers are dropped, and the next push() or
// pop() throws a WeirError that says why, so neither side waits forever.
//
// Threading: push() from the producer task, everything else from the consumer (a task, or the data
// plane's I/O thread for a channel read by another TaskManager); a mutex guards the queue.
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "weir/network/buffer.h"
#include "weir/network/buffer_pool.h"
#include "weir/network/channel_listener.h"

namespace weir::network {

class LocalChannel {
 public:
  //! Throws WeirError when the channel failed.
  void push(BufferPtr buffer);
  //! Puts restored in-flight data ahead of everything queued (restore from an unaligned checkpoint).
  void push_front(BufferPtr buffer);
  //! Null when empty. `more` tells whether buffers remain after this one; `copied_for` receives the
  //! checkpoint the buffer's bytes were already copied for (-1 if none).
  //! Throws WeirError when the channel failed.
  BufferPtr pop(bool& more, int64_t* copied_for = nullptr);
  //! The data plane's sender: pops the head unless it is a pooled buffer and `has_credit` is false
  //! (events in unpooled buffers need no credit). Null when empty, blocked on credit, or failed.
  BufferPtr pop_for_send(bool has_credit, bool& more);
  //! Connects the consumer side; buffers already queued are announced at once.
  void attach_consumer(ChannelListener* listener, int channel_index);
  void detach_consumer();
  //! Keeps the producer's pool alive while buffers from it may still be queued here.
  void hold_pool(std::shared_ptr<BufferPool> pool);
  size_t queued() const;
  //! Bytes of the unpooled buffers queued (events, and data a priority barrier brought along): what a
  //! remote producer sent without credit and the consumer has not taken yet.
  uint64_t queued_unpooled_bytes() const;
  //! Fails the channel (any thread): drops what is queued, wakes the consumer, and makes the next
  //! push() and pop() throw WeirError(`reason`). The first reason stays.
  void fail(const std::string& reason);
  //! Empty while the channel works.
  std::string failure() const;

  // ---- unaligned checkpoints (consumer thread) ----
  //! The payload of the first queued priority buffer's frame, if there is one ahead of any fence.
  bool peek_priority(std::string* frame_payload) const;
  //! Appends to `out` the bytes of queued buffers ahead of the first priority buffer (or of all
  //! queued buffers when there is none) not yet copied for `checkpoint`, and marks them copied.
  //! Then removes and returns the first priority buffer (null when there is none, or when a fence
  //! precedes it: then copying stops there and the barrier is read in stream order).
  BufferPtr take_priority(int64_t checkpoint, std::string& out);

 private:
  struct Entry {
    BufferPtr buffer;
    int64_t copied_for = -1;
  };
  // pool_ is declared before queue_ so that queued buffers return to the pool before it goes away.
  std::shared_ptr<BufferPool> pool_;
  mutable std::mutex mu_;
  std::deque<Entry> queue_;
  int priority_queued_ = 0;
  uint64_t unpooled_bytes_ = 0;  // of the unpooled buffers in queue_
  ChannelListener* gate_ = nullptr;
  std::string failure_;
  int channel_index_ = -1;
};

}  // namespace weir::network
