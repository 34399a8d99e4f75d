#include "weir/cluster/taskmanager/snapshot_writer.h"

#include <exception>

#include "weir/common/log.h"
#include "weir/common/thread_name.h"

namespace weir::cluster {

bool SnapshotWriter::post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    if (!thread_.joinable())
      thread_ = std::thread([this] {
        set_thread_name("task-snapshots");
        run();
      });
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void SnapshotWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    auto job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      job();  // a snapshot's job declines its checkpoint itself when it fails
    } catch (const std::exception& e) {
      // A local copy that could not be confirmed or discarded: logged, the thread goes on.
      log::get("taskmanager").warn("snapshot writer: {}", e.what());
    } catch (...) {
      log::get("taskmanager").warn("snapshot writer: an exception that is not a std::exception");
    }
    lock.lock();
  }
}

void SnapshotWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

}  // namespace weir::cluster
