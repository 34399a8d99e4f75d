#include "weir/network/local_channel.h"

#include "weir/network/input_gate.h"

namespace weir::network {

// The gate is notified with mu_ held: detach_consumer() takes mu_ too, so the consumer cannot
// destroy its InputGate between reading gate_ and calling it. Lock order: channel, then gate.
void LocalChannel::push(BufferPtr buffer) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(buffer));
  if (queue_.size() == 1 && gate_) gate_->notify_available(channel_index_);  // else already announced
}

BufferPtr LocalChannel::pop(bool& more) {
  std::lock_guard lock(mu_);
  if (queue_.empty()) {
    more = false;
    return nullptr;
  }
  BufferPtr b = std::move(queue_.front());
  queue_.pop_front();
  more = !queue_.empty();
  return b;
}

void LocalChannel::attach_consumer(InputGate* gate, int channel_index) {
  std::lock_guard lock(mu_);
  gate_ = gate;
  channel_index_ = channel_index;
  if (!queue_.empty()) gate->notify_available(channel_index);
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

}  // namespace weir::network
