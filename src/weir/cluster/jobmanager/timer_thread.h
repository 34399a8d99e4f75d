#pragma once
// A thread that runs scheduled actions at their time (periodic checkpoints, timeouts, delayed
// restarts). Actions run one at a time on this thread; schedule() and stop() from any thread.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace weir::cluster {

class TimerThread {
 public:
  using Clock = std::chrono::steady_clock;
  TimerThread() : thread_([this] { run(); }) {}
  ~TimerThread() { stop(); }
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  void schedule(std::chrono::milliseconds delay, std::function<void()> action) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      actions_.emplace(std::make_pair(Clock::now() + delay, seq_++), std::move(action));
    }
    cv_.notify_all();
  }
  //! Drops pending actions and joins the thread. Safe to call twice; never from an action.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      actions_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!stopped_) {
      if (actions_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto at = actions_.begin()->first.first;
      if (Clock::now() < at) {
        cv_.wait_until(lock, at);
        continue;
      }
      auto action = std::move(actions_.begin()->second);
      actions_.erase(actions_.begin());
      lock.unlock();
      action();
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::pair<Clock::time_point, uint64_t>, std::function<void()>> actions_;
  uint64_t seq_ = 0;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace weir::cluster
