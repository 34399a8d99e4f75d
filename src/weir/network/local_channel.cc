#include "weir/network/local_channel.h"

#include "weir/network/input_gate.h"

namespace weir::network {

void LocalChannel::push(BufferPtr buffer) {
  InputGate* gate;
  int index;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(buffer));
    gate = gate_;
    index = channel_index_;
    if (queue_.size() != 1) return;  // already announced
  }
  if (gate) gate->notify_available(index);
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
  bool has_data;
  {
    std::lock_guard lock(mu_);
    gate_ = gate;
    channel_index_ = channel_index;
    has_data = !queue_.empty();
  }
  if (has_data) gate->notify_available(channel_index);
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
