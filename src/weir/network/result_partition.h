#pragma once
// The producer side of one output edge of a task: one subpartition per consumer subtask, each with
// the buffer being filled and the channel it is sent on. Elements are framed (element_kind.h) and
// may span buffers.
//
// Threading: used only by the producing task's thread.
#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

#include "weir/network/buffer_pool.h"
#include "weir/network/element_kind.h"
#include "weir/network/local_channel.h"

namespace weir::network {

class ResultPartition {
 public:
  ResultPartition(std::shared_ptr<BufferPool> pool, std::vector<std::shared_ptr<LocalChannel>> channels,
                  const std::atomic<bool>* canceled);
  ~ResultPartition();

  int num_subpartitions() const { return static_cast<int>(subs_.size()); }

  //! Appends one framed element (`kind` + `payload`) to subpartition `sub`.
  void write(int sub, ElementKind kind, std::string_view payload);
  //! Appends the element to every subpartition.
  void broadcast(ElementKind kind, std::string_view payload);
  //! Sends an event in a buffer of its own, outside the pool (so it never waits for memory), after
  //! flushing what each subpartition holds. `priority` marks it for unaligned checkpoints.
  //! A `fence` (end of data) keeps priority buffers behind it from overtaking it.
  void broadcast_event(ElementKind kind, std::string_view payload, bool priority, bool fence = false);
  //! True when a buffer could be requested without waiting.
  bool available() const { return pool_->has_free(); }
  //! Sends every partly filled buffer.
  void flush_all();
  //! True when some subpartition holds unsent bytes.
  bool has_unflushed() const { return unflushed_; }
  //! Sends end-of-partition on every subpartition and flushes.
  void finish();

  BufferPool& pool() { return *pool_; }

  //! Counts one record written (by the producing thread, once per record however many subpartitions
  //! it goes to); records_written() may be read from any thread.
  void count_record() {
    records_.store(records_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  int64_t records_written() const { return records_.load(std::memory_order_relaxed); }

 private:
  struct Subpartition {
    std::shared_ptr<LocalChannel> channel;
    BufferPtr current;
  };
  void copy_into(Subpartition& s, const uint8_t* data, size_t n);
  void flush(Subpartition& s);

  std::shared_ptr<BufferPool> pool_;
  std::vector<Subpartition> subs_;
  const std::atomic<bool>* canceled_;
  bool unflushed_ = false;
  std::atomic<int64_t> records_{0};
};

}  // namespace weir::network
