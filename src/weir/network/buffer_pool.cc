#include "weir/network/buffer_pool.h"

#include <chrono>

#include "weir/common/error.h"

namespace weir::network {

void BufferRecycler::operator()(Buffer* b) const {
  if (b) b->pool->recycle(b);
}

BufferPool::BufferPool(uint32_t segment_size, uint32_t max_buffers)
    : segment_size_(segment_size), max_buffers_(max_buffers) {}

BufferPool::~BufferPool() = default;

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
  ++in_use_;
  if (in_use_ > peak_in_use_) peak_in_use_ = in_use_;
  return b;
}

BufferPtr BufferPool::request(const std::atomic<bool>& canceled) {
  std::unique_lock lock(mu_);
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
    free_.push_back(b);
    --in_use_;
  }
  available_.notify_one();
}

uint32_t BufferPool::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

uint32_t BufferPool::peak_in_use() const {
  std::lock_guard lock(mu_);
  return peak_in_use_;
}

void BufferPool::wake_waiters() { available_.notify_all(); }

}  // namespace weir::network
