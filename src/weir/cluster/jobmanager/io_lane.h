#pragma once
// One JobMaster's ordered lane of blocking I/O on the shared IoExecutor. A step has three parts: `prepare`
// runs under the owner's lock and returns the I/O to do (or nothing), the I/O runs on a pool thread with no
// lock held, and `done` runs under the owner's lock again with what the I/O threw (null when it did not).
// Steps run one at a time in the order they were posted, and a step's `prepare` runs only after the `done`
// of every earlier step: a later step sees what earlier ones did (the checkpoint a completion added is among
// those a restart restores from; a completion's ZooKeeper write names every earlier completion).
//
// Without an executor (a coordinator used alone, in unit tests) steps run at once on the posting thread,
// which already holds whatever the owner locks.
//
// Threading: post() and busy() REQUIRE the owner's lock (the lane's queue is guarded by it). The I/O of a
// step must not touch the owner: it runs while the owner may be destroyed (then the later parts are skipped).
#include <deque>
#include <exception>
#include <functional>
#include <memory>

#include "weir/cluster/jobmanager/io_executor.h"

namespace weir::cluster {

class IoLane {
 public:
  using Io = std::function<void()>;
  struct Step {
    std::function<Io()> prepare;                   //!< under the owner's lock; may be empty
    std::function<void(std::exception_ptr)> done;  //!< under the owner's lock; may be empty
  };
  //! Runs `fn` under the owner's lock and returns true, or returns false when the owner is gone.
  using Locked = std::function<bool(const std::function<void()>& fn)>;

  IoLane() = default;
  IoLane(std::shared_ptr<IoExecutor> executor, Locked locked)
      : executor_(std::move(executor)), locked_(std::move(locked)) {}
  IoLane(const IoLane&) = delete;
  IoLane& operator=(const IoLane&) = delete;

  void post(Step step);
  //! A step is queued or under way.
  bool busy() const { return running_ || !queue_.empty(); }
  //! Steps queued, not yet started (bounded by what a job posts per checkpoint and failover).
  size_t queued() const { return queue_.size(); }

 private:
  static void drain(const Locked& locked, IoLane* lane);
  void run_inline();

  std::shared_ptr<IoExecutor> executor_;
  Locked locked_;
  std::deque<Step> queue_;
  bool running_ = false;
};

}  // namespace weir::cluster
