#include "weir/cluster/jobmanager/io_executor.h"

#include "weir/common/log.h"
#include "weir/common/thread_name.h"

namespace weir::cluster {

IoExecutor::IoExecutor(int threads) : state_(std::make_shared<State>()) {
  for (int i = 0; i < std::max(threads, 1); ++i)
    threads_.emplace_back([s = state_] {
      set_thread_name("jm-io");
      run(*s);
    });
}

IoExecutor::~IoExecutor() {
  shutdown();
}

void IoExecutor::shutdown() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  for (auto& t : threads_) {
    if (!t.joinable()) continue;
    if (t.get_id() == std::this_thread::get_id())
      t.detach();
    else
      t.join();
  }
}

void IoExecutor::submit(std::function<void()> fn) {
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) {
      log::get("jobmanager").warn("the JobManager's I/O pool has shut down: an I/O function is dropped");
      return;
    }
    state_->queue.push_back(std::move(fn));
  }
  state_->cv.notify_one();
}

size_t IoExecutor::queued() const {
  std::lock_guard lock(state_->mu);
  return state_->queue.size();
}

void IoExecutor::run(State& s) {
  std::unique_lock lock(s.mu);
  for (;;) {
    s.cv.wait(lock, [&] { return s.stopping || !s.queue.empty(); });
    if (s.queue.empty()) return;  // stopping, and everything queued has run
    auto fn = std::move(s.queue.front());
    s.queue.pop_front();
    lock.unlock();
    try {
      fn();
    } catch (const std::exception& e) {
      log::get("jobmanager").error("an I/O function failed: {}", e.what());
    } catch (...) {
      log::get("jobmanager").error("an I/O function failed with an unknown exception");
    }
    fn = nullptr;  // what it captured goes before the state is touched again
    lock.lock();
  }
}

}  // namespace weir::cluster
