#include "weir/cluster/jobmanager/stop_with_savepoint.h"

#include "weir/cluster/jobmanager/job_master.h"
#include "weir/common/error.h"

namespace weir::cluster {

std::future<std::string> StopWithSavepoint::stop(const std::string& dir, bool drain) {
  if (drain) return this->drain(dir);
  auto promise = std::make_shared<std::promise<std::string>>();
  auto fut = promise->get_future();
  std::weak_ptr<JobMaster> weak = jm_.weak_from_this();
  std::string why =
      jm_.coordinator_
          ? jm_.trigger_locked(true, dir,
                               [promise, weak](const std::string& path, const std::string& error) {
                                 if (!error.empty()) {
                                   promise->set_exception(std::make_exception_ptr(WeirError(error)));
                                   return;
                                 }
                                 // Runs under the JobMaster's lock (the completion's step). A job
                                 // that ended meanwhile stays as it ended.
                                 auto self = weak.lock();
                                 if (self && !is_terminal(self->status_) && !self->suspended_) {
                                   self->stop_.stopping_ = true;
                                   self->transition_locked(JobStatus::kCanceling);
                                   self->cancel_all_locked();
                                 }
                                 promise->set_value(path);
                               })
          : "the job is not running";
  if (!why.empty())
    promise->set_exception(std::make_exception_ptr(WeirError("cannot stop with a savepoint: " + why)));
  return fut;
}

// Tells every source to end its input; on_sources_ended() takes the savepoint once all have, and the job
// then finishes as a bounded job does.
std::future<std::string> StopWithSavepoint::drain(const std::string& dir) {
  auto promise = std::make_shared<std::promise<std::string>>();
  auto fut = promise->get_future();
  const auto& eg = jm_.eg_;
  std::string why;
  if (!jm_.coordinator_ || jm_.status_ != JobStatus::kRunning)
    why = "the job is not running";
  else if (eg.count(ExecutionState::kRunning) + eg.count(ExecutionState::kFinished) != eg.total())
    why = "not every task is running yet";
  else if (drain_promise_)
    why = "the job is already draining";
  else if (dir.empty())
    why = "no savepoint directory given";
  if (!why.empty()) {
    promise->set_exception(
        std::make_exception_ptr(WeirError("cannot stop with a savepoint (drain): " + why)));
    return fut;
  }
  drain_dir_ = dir;
  drain_promise_ = promise;
  int sources = 0;
  for (const auto& v : jm_.jg_->vertices) {
    if (!v.is_source) continue;
    for (int i = 0; i < v.parallelism; ++i) {
      ++sources;
      const auto& ev = eg.vertices()[v.id][i];
      if (ev.state != ExecutionState::kRunning) continue;
      if (auto te = jm_.rm_->task_executor(jm_.placement_[{v.id, i}]))
        te->stop_source({jm_.id_, ev.attempt, v.id, i});
    }
  }
  // Every source had already ended (the final checkpoint is under way): drain as soon as possible.
  if (static_cast<int>(jm_.sources_at_end_.size()) == sources) on_sources_ended();
  return fut;
}

void StopWithSavepoint::on_sources_ended() {
  std::string why = trigger_drained_savepoint();
  if (!why.empty()) fail_drain(why);
}

std::string StopWithSavepoint::trigger_drained_savepoint() {
  auto promise = drain_promise_;
  return jm_.trigger_locked(
      true, drain_dir_, [this, promise](const std::string& path, const std::string& error) {
        // Runs under the JobMaster's lock (from acknowledge_checkpoint or an abort). A drain already answered
        // (the job failed or ended first) is not answered twice.
        if (drain_promise_ != promise) return;
        drain_promise_.reset();
        if (error.empty())
          promise->set_value(path);
        else
          promise->set_exception(
              std::make_exception_ptr(WeirError("stop with a savepoint (drain): " + error)));
      });
}

void StopWithSavepoint::fail_drain(const std::string& why) {
  if (!drain_promise_) return;
  drain_promise_->set_exception(
      std::make_exception_ptr(WeirError("stop with a savepoint (drain) failed: " + why)));
  drain_promise_.reset();
}

}  // namespace weir::cluster
