#pragma once
// The consumer side of one logical input of a task: a set of channels (one per upstream subtask
// that can send to this subtask) and the queue of channels that have data.
//
// Threading: notify_available() from producer threads; everything else from the owning task thread.
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "weir/network/buffer.h"
#include "weir/network/channel_listener.h"
#include "weir/network/local_channel.h"
#include "weir/network/task_wakeup.h"

namespace weir::network {

class InputGate final : public ChannelListener {
 public:
  //! `priority` (may be null) is raised whenever a channel receives a priority buffer.
  InputGate(int gate_index, std::vector<std::shared_ptr<LocalChannel>> channels, TaskWakeup* wakeup,
            std::atomic<bool>* priority = nullptr);
  ~InputGate() override;

  struct Next {
    BufferPtr buffer;
    int channel = -1;
    int64_t copied_for = -1;  //!< checkpoint whose in-flight data already holds these bytes
  };
  //! The next buffer from any channel with data, or an empty Next. Throws WeirError when a channel
  //! failed (its remote producer is gone).
  [[nodiscard]] Next poll();
  int num_channels() const { return static_cast<int>(channels_.size()); }
  int index() const { return gate_index_; }

  LocalChannel& channel(int i) { return *channels_[i]; }

  //! Called by a LocalChannel when it goes from empty to non-empty (or fails).
  void notify_available(int channel) override;
  //! Called by a LocalChannel when a priority buffer (an unaligned barrier) arrives.
  void notify_priority() override;

 private:
  const int gate_index_;
  std::vector<std::shared_ptr<LocalChannel>> channels_;
  TaskWakeup* wakeup_;
  std::atomic<bool>* priority_;
  std::mutex mu_;
  std::deque<int> available_;
  std::vector<bool> enqueued_;
};

}  // namespace weir::network
