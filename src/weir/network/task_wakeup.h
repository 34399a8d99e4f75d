#pragma once
// The one thing a task thread waits on. Input channels, the mailbox and manual clocks signal it.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace weir::network {

class TaskWakeup {
 public:
  void notify() {
    {
      std::lock_guard lock(mu_);
      signaled_ = true;
    }
    cv_.notify_one();
  }
  //! Waits until notified or until `deadline`; consumes the signal.
  template <typename TimePoint>
  void wait_until(TimePoint deadline) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return signaled_; });
    signaled_ = false;
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return signaled_; });
    signaled_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool signaled_ = false;
};

}  // namespace weir::network
