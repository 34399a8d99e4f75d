#include "weir/network/input_gate.h"

namespace weir::network {

InputGate::InputGate(int gate_index, std::vector<std::shared_ptr<LocalChannel>> channels, TaskWakeup* wakeup,
                     std::atomic<bool>* priority)
    : gate_index_(gate_index),
      channels_(std::move(channels)),
      wakeup_(wakeup),
      priority_(priority),
      enqueued_(channels_.size(), false) {
  for (size_t i = 0; i < channels_.size(); ++i) channels_[i]->attach_consumer(this, static_cast<int>(i));
}

InputGate::~InputGate() {
  for (auto& c : channels_) c->detach_consumer();
}

void InputGate::notify_available(int channel) {
  {
    std::lock_guard lock(mu_);
    if (enqueued_[channel]) return;
    enqueued_[channel] = true;
    available_.push_back(channel);
  }
  wakeup_->notify();
}

void InputGate::notify_priority() {
  if (!priority_) return;
  priority_->store(true, std::memory_order_release);
  wakeup_->notify();
}

InputGate::Next InputGate::poll() {
  for (;;) {
    int ch;
    {
      std::lock_guard lock(mu_);
      if (available_.empty()) return {};
      ch = available_.front();
      available_.pop_front();
      enqueued_[ch] = false;
    }
    bool more = false;
    int64_t copied_for = -1;
    BufferPtr b = channels_[ch]->pop(more, &copied_for);
    if (more) notify_available(ch);
    if (b) return {std::move(b), ch, copied_for};
  }
}

}  // namespace weir::network
