#pragma once
// Actions other threads want run on a task's thread (cancellation hooks, later checkpoint triggers).
// put() from any thread; drain() from the task thread only.
#include <deque>
#include <functional>
#include <mutex>

#include "weir/network/task_wakeup.h"

namespace weir::runtime {

class Mailbox {
 public:
  explicit Mailbox(network::TaskWakeup* wakeup) : wakeup_(wakeup) {}
  void put(std::function<void()> mail) {
    {
      std::lock_guard lock(mu_);
      mails_.push_back(std::move(mail));
    }
    wakeup_->notify();
  }
  //! Runs every queued mail. Returns true if any ran.
  bool drain() {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard lock(mu_);
      if (mails_.empty()) return false;
      batch.swap(mails_);
    }
    for (auto& m : batch) m();
    return true;
  }

 private:
  network::TaskWakeup* wakeup_;
  std::mutex mu_;
  std::deque<std::function<void()>> mails_;
};

}  // namespace weir::runtime
