#pragma once
// A bounded pool of equally sized buffers. The bound is what turns a slow consumer into backpressure:
// when every buffer is in flight, the producer waits in request() until a consumer recycles one.
//
// Threading: request() is called by the owning task's thread; recycle() by any consumer thread.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "weir/network/buffer.h"
#include "weir/network/task_wakeup.h"

namespace weir::network {

//! Network buffers of the whole process: how many every pool hands out now, the most ever handed out
//! at once, and the sum of the bounds of the pools alive now. Lets tests check that memory stays
//! bounded under backpressure without reaching into tasks.
struct NetworkBufferStats {
  int64_t in_use = 0;
  int64_t peak_in_use = 0;
  int64_t capacity = 0;
};

class BufferPool {
 public:
  BufferPool(uint32_t segment_size, uint32_t max_buffers);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  //! Returns a buffer, waiting while none is free. Throws TaskCanceled once `canceled` becomes true.
  BufferPtr request(const std::atomic<bool>& canceled);
  //! Returns a buffer or null when none is free.
  [[nodiscard]] BufferPtr try_request();
  void recycle(Buffer* b);

  uint32_t segment_size() const { return segment_size_; }
  uint32_t max_buffers() const { return max_buffers_; }
  //! Buffers currently handed out (for tests and metrics).
  uint32_t in_use() const;
  //! Highest number of buffers ever handed out at once.
  uint32_t peak_in_use() const;
  //! Nanoseconds request() has waited for a free buffer so far, a wait in progress included: the
  //! producer's backpressured time (any thread).
  int64_t waited_ns() const;
  //! Wakes a waiting request() so it can observe cancellation.
  void wake_waiters();
  //! True when request() would not wait now (any thread; a hint that may change at once).
  bool has_free() const { return in_use_.load(std::memory_order_relaxed) < max_buffers_; }
  //! The producer's wakeup, signaled whenever a buffer comes back (null to stop). Lets a task wait
  //! for output availability and other work at once instead of blocking inside request().
  void set_availability_listener(TaskWakeup* wakeup);
  //! Called after each recycle(), on the recycling thread, outside the pool's mutex. Set it before the
  //! first request. The data plane uses it to give credit back to a remote sender.
  void set_recycle_callback(std::function<void()> callback) { on_recycle_ = std::move(callback); }

  static NetworkBufferStats global_stats();
  //! Restarts the process-wide peak from the current use (tests, between jobs).
  static void reset_global_peak();

 private:
  Buffer* take_locked();
  const uint32_t segment_size_;
  const uint32_t max_buffers_;
  mutable std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Buffer>> all_;
  std::vector<std::unique_ptr<uint8_t[]>> memory_;
  std::vector<Buffer*> free_;
  std::atomic<uint32_t> in_use_{0};  // written under mu_, read without it by has_free()
  TaskWakeup* listener_ = nullptr;
  std::function<void()> on_recycle_;
  uint32_t peak_in_use_ = 0;
  std::atomic<int64_t> waited_ns_{0};         // finished waits in request()
  std::atomic<int64_t> waiting_since_ns_{0};  // steady-clock start of the wait in progress, 0: none
};

}  // namespace weir::network
