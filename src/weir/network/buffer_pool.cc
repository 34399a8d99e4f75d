#include "weir/network/buffer_pool.h"

#include <chrono>
#include <cstring>

#include "weir/common/assert.h"
#include "weir/common/error.h"

namespace weir::network {

namespace {
// Process-wide counters; relaxed increments on the (already locked) request/recycle paths.
std::atomic<int64_t> g_in_use{0};
std::atomic<int64_t> g_peak{0};
std::atomic<int64_t> g_capacity{0};

void note_taken() {
  int64_t now = g_in_use.fetch_add(1, std::memory_order_relaxed) + 1;
  int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}
}  // namespace

NetworkBufferStats BufferPool::global_stats() {
  return {g_in_use.load(), g_peak.load(), g_capacity.load()};
}

void BufferPool::reset_global_peak() {
  g_peak.store(g_in_use.load());
}

void BufferRecycler::operator()(Buffer* b) const {
  if (!b) return;
  if (b->pool) {
    b->pool->recycle(b);
  } else {
    delete[] b->data;
    delete b;
  }
}

BufferPtr make_unpooled_buffer(const void* data, uint32_t size, bool priority, bool fence) {
  auto* b = new Buffer();
  b->data = new uint8_t[size > 0 ? size : 1];
  if (size > 0) std::memcpy(b->data, data, size);
  b->capacity = size;
  b->size = size;
  b->priority = priority;
  b->fence = fence;
  return BufferPtr(b);
}

BufferPool::BufferPool(uint32_t segment_size, uint32_t max_buffers)
    : segment_size_(segment_size), max_buffers_(max_buffers) {
  g_capacity.fetch_add(max_buffers_, std::memory_order_relaxed);
}

BufferPool::~BufferPool() {
  g_capacity.fetch_sub(max_buffers_, std::memory_order_relaxed);
}

Buffer* BufferPool::take_locked() {
  if (free_.empty()) {
    if (all_.size() >= max_buffers_) return nullptr;
    // Segments are allocated lazily so that idle channels cost nothing.
    memory_.push_back(std::make_unique_for_overwrite<uint8_t[]>(segment_size_));
    auto b = std::make_unique<Buffer>();
    b->data = memory_.back().get();
    b->capacity = segment_size_;
    b->pool = this;
    free_.push_back(b.get());
    all_.push_back(std::move(b));
  }
  Buffer* b = free_.back();
  free_.pop_back();
  b->size = 0;
  b->priority = false;
  b->fence = false;
  const uint32_t now = in_use_.load(std::memory_order_relaxed) + 1;
  in_use_.store(now, std::memory_order_relaxed);
  if (now > peak_in_use_) peak_in_use_ = now;
  note_taken();
  return b;
}

namespace {
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

BufferPtr BufferPool::request(const std::atomic<bool>& canceled) {
  std::unique_lock lock(mu_);
  if (Buffer* b = take_locked()) return BufferPtr(b);
  // Backpressure: account the wait (waited_ns() also sees it while it lasts).
  const int64_t began = steady_ns();
  waiting_since_ns_.store(began, std::memory_order_relaxed);
  struct Account {
    BufferPool* pool;
    int64_t began;
    ~Account() {
      pool->waited_ns_.fetch_add(steady_ns() - began, std::memory_order_relaxed);
      pool->waiting_since_ns_.store(0, std::memory_order_relaxed);
    }
  } account{this, began};
  for (;;) {
    if (Buffer* b = take_locked()) return BufferPtr(b);
    if (canceled.load(std::memory_order_relaxed)) throw TaskCanceled();
    // Woken by recycle() or wake_waiters(); the timeout is only a safety net for cancellation.
    available_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

BufferPtr BufferPool::try_request() {
  std::lock_guard lock(mu_);
  return BufferPtr(take_locked());
}

void BufferPool::recycle(Buffer* b) {
  {
    std::lock_guard lock(mu_);
    WEIR_ASSERT(in_use_.load(std::memory_order_relaxed) > 0, "a buffer recycled into a pool that lent none");
    WEIR_ASSERT(free_.size() < max_buffers_, "more buffers recycled than the pool has");
    free_.push_back(b);
    in_use_.store(in_use_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    g_in_use.fetch_sub(1, std::memory_order_relaxed);
    if (listener_) listener_->notify();
  }
  available_.notify_one();
  if (on_recycle_) on_recycle_();
}

void BufferPool::set_availability_listener(TaskWakeup* wakeup) {
  std::lock_guard lock(mu_);
  listener_ = wakeup;
}

uint32_t BufferPool::in_use() const {
  return in_use_.load(std::memory_order_relaxed);
}

uint32_t BufferPool::peak_in_use() const {
  std::lock_guard lock(mu_);
  return peak_in_use_;
}

void BufferPool::wake_waiters() {
  available_.notify_all();
}

int64_t BufferPool::waited_ns() const {
  int64_t since = waiting_since_ns_.load(std::memory_order_relaxed);
  return waited_ns_.load(std::memory_order_relaxed) + (since > 0 ? steady_ns() - since : 0);
}

}  // namespace weir::network
