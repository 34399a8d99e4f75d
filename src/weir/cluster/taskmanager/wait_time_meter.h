#pragma once
// Time a task's thread spends in one kind of blocking wait: idle (no input, nothing to emit) or
// backpressured (no room for output outside BufferPool::request, e.g. unaligned mode). Busy time is what
// remains of the wall-clock time (Flink's busyTimeMsPerSecond = 1000 - idle - backpressured).
//
// The task thread calls begin() and end() around each wait: two clock reads per wait, none per record.
// total_ns() may be called from any thread and includes a wait in progress. Both the accumulated time
// and "a wait is in progress" live in one word (the low bit is the flag, the rest the signed sum with the
// start of the wait in progress subtracted), so a reader never sees one updated without the other.
//
// Threading: begin()/end() on the owning task thread only (a load and a store, no locked instruction);
// total_ns() from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace weir::cluster {

class WaitTimeMeter {
 public:
  void begin() {
    int64_t w = word_.load(std::memory_order_relaxed);
    if (w & 1) return;  // already waiting
    word_.store(((w >> 1) - now_ns()) * 2 + 1, std::memory_order_relaxed);
  }
  void end() {
    int64_t w = word_.load(std::memory_order_relaxed);
    if (!(w & 1)) return;
    word_.store(((w >> 1) + now_ns()) * 2, std::memory_order_relaxed);
  }
  //! Nanoseconds waited so far, a wait in progress included.
  int64_t total_ns() const {
    int64_t w = word_.load(std::memory_order_relaxed);
    return (w & 1) ? (w >> 1) + now_ns() : (w >> 1);
  }

 private:
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::atomic<int64_t> word_{0};
};

//! Waits on the task thread for the lifetime of the scope.
class ScopedWait {
 public:
  explicit ScopedWait(WaitTimeMeter& m) : m_(m) { m_.begin(); }
  ~ScopedWait() { m_.end(); }
  ScopedWait(const ScopedWait&) = delete;
  ScopedWait& operator=(const ScopedWait&) = delete;

 private:
  WaitTimeMeter& m_;
};

}  // namespace weir::cluster
