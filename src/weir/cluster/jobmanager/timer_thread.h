#pragma once
// A thread that runs scheduled actions at their time (periodic checkpoints, timeouts, delayed
// restarts). Actions run one at a time on this thread; schedule() and stop() from any thread. An action
// that throws is logged and the thread goes on.
//
// An action may drop the last reference to the owner of the TimerThread (a JobMaster whose
// weak_ptr it locked), so the TimerThread can be destroyed on its own thread. The queue therefore
// lives in a State that the thread shares: stop() from the thread itself detaches it, and the
// thread then exits touching only that State. stop_soon() does the same from any thread without waiting
// for it: the JobMaster calls it under its lock when the job ends, so an ended job kept by the Dispatcher's
// store holds no thread (a running action may be waiting for that lock: it cannot be joined there).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "weir/common/log.h"
#include "weir/common/thread_name.h"

namespace weir::cluster {

class TimerThread {
 public:
  using Clock = std::chrono::steady_clock;
  TimerThread() : state_(std::make_shared<State>()) {
    thread_ = std::thread([s = state_] {
      set_thread_name("jm-timer");
      run(*s);
    });
  }
  ~TimerThread() { stop(); }
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  //! Notifies under the lock: once it is released, the action may run and destroy this TimerThread (and,
  //! the thread then ending, its State), so nothing of either is touched after (ThreadSanitizer found
  //! both in TimerThread.OwnerDestroyedByItsOwnActionEndsCleanly).
  void schedule(std::chrono::milliseconds delay, std::function<void()> action) {
    std::lock_guard lock(state_->mu);
    if (state_->stopped) return;
    state_->actions.emplace(std::make_pair(Clock::now() + delay, state_->seq++), std::move(action));
    state_->cv.notify_all();
  }
  //! Drops pending actions and lets the thread end without waiting for it: detaches it, and the thread
  //! destroys the pending actions (outside any lock) and ends after the action it may be running. For a
  //! caller holding a lock such an action may wait for. Safe to call twice and with stop().
  void stop_soon() {
    {
      std::lock_guard lock(state_->mu);
      state_->stopped = true;
    }
    state_->cv.notify_all();
    if (thread_.joinable()) thread_.detach();
  }
  //! Drops pending actions and ends the thread: joins it, or detaches it when called from an action.
  //! Safe to call twice.
  void stop() {
    std::map<std::pair<Clock::time_point, uint64_t>, std::function<void()>> dropped;
    {
      std::lock_guard lock(state_->mu);
      state_->stopped = true;
      dropped.swap(state_->actions);  // destroyed outside the lock: they may own anything
    }
    state_->cv.notify_all();
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id())
      thread_.detach();
    else
      thread_.join();
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::map<std::pair<Clock::time_point, uint64_t>, std::function<void()>> actions;
    uint64_t seq = 0;
    bool stopped = false;
  };
  static void run(State& s) {
    std::unique_lock lock(s.mu);
    while (!s.stopped) {
      if (s.actions.empty()) {
        s.cv.wait(lock);
        continue;
      }
      auto at = s.actions.begin()->first.first;
      if (Clock::now() < at) {
        s.cv.wait_until(lock, at);
        continue;
      }
      auto action = std::move(s.actions.begin()->second);
      s.actions.erase(s.actions.begin());
      lock.unlock();
      try {
        action();
      } catch (const std::exception& e) {
        // An action fails on its own (its owner hears of it through its state); the thread, and the
        // other actions queued on it, go on.
        log::get("cluster").error("a scheduled action failed: {}", e.what());
      } catch (...) {
        log::get("cluster").error("a scheduled action failed with an unknown exception");
      }
      action = nullptr;  // release what it captured before touching the state again
      lock.lock();
    }
    // Stopped: the actions left (after stop_soon(); stop() took them already) go with no lock held.
    auto dropped = std::move(s.actions);
    s.actions.clear();
    lock.unlock();
  }
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace weir::cluster
