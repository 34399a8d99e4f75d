#pragma once
// Runs submitted functions one after another on its own thread, in submission order. The remote
// gateways use one per peer so that messages to a peer keep the order they were sent in (a task's
// RUNNING before its FINISHED, a deployment before the checkpoint trigger that follows it) while the
// caller, who may hold a lock, never waits on the network.
//
// Threading: submit() from any thread. The destructor runs what is queued, then joins. A function that
// throws is logged; the ones after it still run.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "weir/common/log.h"

namespace weir {

class SerialExecutor {
 public:
  SerialExecutor() : thread_([this] { loop(); }) {}
  ~SerialExecutor() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  void submit(std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(fn));
    }
    cv_.notify_all();
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      try {
        fn();
      } catch (const std::exception& e) {
        log::get("common").error("a function of a serial executor failed: {}", e.what());
      } catch (...) {
        log::get("common").error("a function of a serial executor failed with an unknown exception");
      }
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // REQUIRES: mu_ held
  bool stopping_ = false;                    // REQUIRES: mu_ held
  std::thread thread_;                       // last: starts after the fields above exist
};

}  // namespace weir
