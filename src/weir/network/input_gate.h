#pragma once
// The consumer side of one logical input of a task: a set of channels (one per upstream subtask
// that can send to this subtask) and the queue of channels that have data.
//
// Threading: notify_available() from producer threads; everything else from the owning task thread.
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "weir/network/buffer.h"
#include "weir/network/local_channel.h"
#include "weir/network/task_wakeup.h"

namespace weir::network {

class InputGate {
 public:
  InputGate(int gate_index, std::vector<std::shared_ptr<LocalChannel>> channels, TaskWakeup* wakeup);
  ~InputGate();

  struct Next {
    BufferPtr buffer;
    int channel = -1;
  };
  //! The next buffer from any channel with data, or an empty Next.
  Next poll();
  int num_channels() const { return static_cast<int>(channels_.size()); }
  int index() const { return gate_index_; }

  //! Called by a LocalChannel when it goes from empty to non-empty.
  void notify_available(int channel);

 private:
  const int gate_index_;
  std::vector<std::shared_ptr<LocalChannel>> channels_;
  TaskWakeup* wakeup_;
  std::mutex mu_;
  std::deque<int> available_;
  std::vector<bool> enqueued_;
};

}  // namespace weir::network
