#include "weir/network/local_channel.h"

#include <cstring>

#include "weir/common/error.h"
#include "weir/network/element_kind.h"

namespace weir::network {

namespace {
uint64_t unpooled_size(const Buffer& b) {
  return b.pool ? 0 : b.size;
}
}  // namespace

// The gate is notified with mu_ held: detach_consumer() takes mu_ too, so the consumer cannot
// destroy its InputGate between reading gate_ and calling it. Lock order: channel, then gate.
void LocalChannel::push(BufferPtr buffer) {
  std::unique_lock lock(mu_);
  if (!failure_.empty()) {
    std::string why = failure_;
    lock.unlock();
    buffer.reset();  // back to its pool outside our mutex
    throw WeirError(why);
  }
  const bool priority = buffer->priority;
  unpooled_bytes_ += unpooled_size(*buffer);
  queue_.push_back({std::move(buffer), -1});
  if (priority) ++priority_queued_;
  if (!gate_) return;
  if (queue_.size() == 1) gate_->notify_available(channel_index_);  // else already announced
  if (priority) gate_->notify_priority();
}

void LocalChannel::push_front(BufferPtr buffer) {
  std::lock_guard lock(mu_);
  unpooled_bytes_ += unpooled_size(*buffer);
  queue_.push_front({std::move(buffer), -1});
  if (gate_) gate_->notify_available(channel_index_);
}

BufferPtr LocalChannel::pop(bool& more, int64_t* copied_for) {
  std::lock_guard lock(mu_);
  if (!failure_.empty()) throw WeirError(failure_);
  if (queue_.empty()) {
    more = false;
    return nullptr;
  }
  Entry e = std::move(queue_.front());
  queue_.pop_front();
  if (e.buffer->priority) --priority_queued_;
  unpooled_bytes_ -= unpooled_size(*e.buffer);
  more = !queue_.empty();
  if (copied_for) *copied_for = e.copied_for;
  return std::move(e.buffer);
}

BufferPtr LocalChannel::pop_for_send(bool has_credit, bool& more) {
  std::lock_guard lock(mu_);
  more = false;
  if (!failure_.empty() || queue_.empty()) return nullptr;
  if (queue_.front().buffer->pool && !has_credit) {
    more = true;
    return nullptr;
  }
  Entry e = std::move(queue_.front());
  queue_.pop_front();
  if (e.buffer->priority) --priority_queued_;
  unpooled_bytes_ -= unpooled_size(*e.buffer);
  more = !queue_.empty();
  return std::move(e.buffer);
}

void LocalChannel::attach_consumer(ChannelListener* listener, int channel_index) {
  std::lock_guard lock(mu_);
  gate_ = listener;
  channel_index_ = channel_index;
  if (!queue_.empty() || !failure_.empty()) listener->notify_available(channel_index);
  if (priority_queued_ > 0) listener->notify_priority();
}

void LocalChannel::fail(const std::string& reason) {
  std::deque<Entry> dropped;
  {
    std::lock_guard lock(mu_);
    if (!failure_.empty()) return;
    failure_ = reason.empty() ? "channel failed" : reason;
    dropped.swap(queue_);
    priority_queued_ = 0;
    unpooled_bytes_ = 0;
    if (gate_) gate_->notify_available(channel_index_);
  }
  // `dropped` returns its buffers to their pools here, outside mu_: that unblocks a producer waiting
  // for one, whose next push() then throws.
}

std::string LocalChannel::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

void LocalChannel::detach_consumer() {
  std::lock_guard lock(mu_);
  gate_ = nullptr;
}

void LocalChannel::hold_pool(std::shared_ptr<BufferPool> pool) {
  std::lock_guard lock(mu_);
  pool_ = std::move(pool);
}

size_t LocalChannel::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

uint64_t LocalChannel::queued_unpooled_bytes() const {
  std::lock_guard lock(mu_);
  return unpooled_bytes_;
}

bool LocalChannel::peek_priority(std::string* frame_payload) const {
  std::lock_guard lock(mu_);
  if (priority_queued_ == 0) return false;
  for (const auto& e : queue_) {
    if (e.buffer->fence) return false;
    if (!e.buffer->priority) continue;
    if (frame_payload) frame_payload->assign(single_frame_payload(e.buffer->data, e.buffer->size));
    return true;
  }
  return false;
}

BufferPtr LocalChannel::take_priority(int64_t checkpoint, std::string& out) {
  std::lock_guard lock(mu_);
  bool fenced = false;
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->buffer->priority) {
      if (fenced) return nullptr;  // read in stream order, after the end of data before it
      BufferPtr b = std::move(it->buffer);
      queue_.erase(it);
      --priority_queued_;
      unpooled_bytes_ -= unpooled_size(*b);
      return b;
    }
    if (it->buffer->fence) fenced = true;
    if (it->copied_for != checkpoint) {
      out.append(reinterpret_cast<const char*>(it->buffer->data), it->buffer->size);
      it->copied_for = checkpoint;
    }
  }
  return nullptr;
}

}  // namespace weir::network
