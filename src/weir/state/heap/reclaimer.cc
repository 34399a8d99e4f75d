#include "weir/state/heap/reclaimer.h"
#include "weir/common/thread_name.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace weir::state {

namespace {

class Reclaimer {
 public:
  ~Reclaimer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void defer(std::unique_ptr<Garbage> g) {
    std::unique_lock lock(mu_);
    if (stopping_) {
      lock.unlock();
      g.reset();
      return;
    }
    if (!thread_.joinable())
      thread_ = std::thread([this] {
        set_thread_name("heap-reclaim");
        run();
      });
    queue_.push_back(std::move(g));
    ++queued_;
    cv_.notify_all();
  }

  void wait() {
    std::unique_lock lock(mu_);
    const uint64_t target = queued_;
    cv_.wait(lock, [&] { return freed_ >= target || !thread_.joinable(); });
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is freed
      std::unique_ptr<Garbage> g = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      g.reset();
      lock.lock();
      ++freed_;
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Garbage>> queue_;
  uint64_t queued_ = 0;
  uint64_t freed_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

Reclaimer& reclaimer() {
  static Reclaimer r;
  return r;
}

}  // namespace

void reclaim_later(std::unique_ptr<Garbage> g) {
  reclaimer().defer(std::move(g));
}

void reclaim_wait() {
  reclaimer().wait();
}

}  // namespace weir::state
