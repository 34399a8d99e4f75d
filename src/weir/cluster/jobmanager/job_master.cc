#include "weir/cluster/jobmanager/job_master.h"

#include <fmt/format.h>

namespace weir::cluster {

JobMaster::JobMaster(JobId id, std::shared_ptr<const graph::JobGraph> jg, std::shared_ptr<ResourceManagerGateway> rm,
                     std::shared_ptr<Clock> clock, std::function<void(const JobId&)> on_terminal)
    : id_(id), jg_(std::move(jg)), rm_(std::move(rm)), clock_(std::move(clock)), on_terminal_(std::move(on_terminal)),
      eg_(*jg_) {}

void JobMaster::start() {
  std::vector<SlotOffer> slots;
  {
    std::lock_guard lock(mu_);
    start_ms_ = SystemClock::shared()->now_ms();
    try {
      slots = rm_->allocate_slots(id_, jg_->max_vertex_parallelism());
    } catch (const std::exception& e) {
      failure_ = e.what();
      transition_locked(JobStatus::kFailed);
      return;
    }
    transition_locked(JobStatus::kRunning);
    // Slot sharing: subtask i of every vertex goes to slot i.
    for (const auto& v : jg_->vertices)
      for (int i = 0; i < v.parallelism; ++i) {
        auto& ev = eg_.at(v.id, i);
        ev.state = ExecutionState::kDeploying;
        ev.task_manager = fmt::format("tm-{}", slots[i].task_manager.value());
        placement_[{v.id, i}] = slots[i].task_manager;
      }
  }
  // Deploy outside the lock: a task may report back at once.
  auto self = shared_from_this();
  for (const auto& v : jg_->vertices)
    for (int i = 0; i < v.parallelism; ++i) {
      if (status() != JobStatus::kRunning) {
        // Canceled or failed while deploying: this subtask never runs.
        update_task_execution_state({{id_, 0, v.id, i}, ExecutionState::kCanceled, {}});
        continue;
      }
      TaskDeploymentDescriptor tdd;
      tdd.job = id_;
      tdd.attempt = 0;
      tdd.job_graph = jg_;
      tdd.vertex = v.id;
      tdd.subtask = i;
      tdd.clock = clock_;
      rm_->task_executor(slots[i].task_manager)->submit_task(std::move(tdd), self);
    }
}

void JobMaster::update_task_execution_state(const TaskStateUpdate& u) {
  bool terminal_now = false;
  {
    std::lock_guard lock(mu_);
    auto& ev = eg_.at(u.id.vertex, u.id.subtask);
    ev.state = u.state;
    if (u.state == ExecutionState::kFailed && status_ == JobStatus::kRunning) {
      failure_ = fmt::format("task '{}' ({}/{}) failed: {}", eg_.vertex_name(u.id.vertex), u.id.subtask + 1,
                             eg_.vertices()[u.id.vertex].size(), u.error);
      transition_locked(JobStatus::kFailing);
      cancel_all_locked();
    }
    if (eg_.all_terminal() && !is_terminal(status_)) {
      if (status_ == JobStatus::kFailing) transition_locked(JobStatus::kFailed);
      else if (status_ == JobStatus::kCanceling) transition_locked(JobStatus::kCanceled);
      else if (eg_.count(ExecutionState::kFinished) == eg_.total()) transition_locked(JobStatus::kFinished);
      else transition_locked(JobStatus::kFailed);
      terminal_now = true;
    }
  }
  if (terminal_now) {
    rm_->release_slots(id_);
    if (on_terminal_) on_terminal_(id_);
  }
}

void JobMaster::cancel() {
  std::lock_guard lock(mu_);
  if (is_terminal(status_) || status_ == JobStatus::kCanceling) return;
  if (status_ == JobStatus::kCreated) {
    transition_locked(JobStatus::kCanceled);
    return;
  }
  transition_locked(JobStatus::kCanceling);
  cancel_all_locked();
}

void JobMaster::cancel_all_locked() {
  for (const auto& subs : eg_.vertices())
    for (const auto& ev : subs) {
      if (is_terminal(ev.state)) continue;
      auto te = rm_->task_executor(placement_[{ev.vertex, ev.subtask}]);
      if (te) te->cancel_task({id_, 0, ev.vertex, ev.subtask});
    }
}

void JobMaster::transition_locked(JobStatus s) {
  status_ = s;
  if (is_terminal(s)) end_ms_ = SystemClock::shared()->now_ms();
  cv_.notify_all();
}

JobStatus JobMaster::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

JobStatus JobMaster::wait(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  if (timeout == std::chrono::milliseconds::max()) {
    cv_.wait(lock, [&] { return is_terminal(status_); });
  } else {
    cv_.wait_for(lock, timeout, [&] { return is_terminal(status_); });
  }
  return status_;
}

std::string JobMaster::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

int64_t JobMaster::end_time_ms() const {
  std::lock_guard lock(mu_);
  return end_ms_;
}

ExecutionGraph JobMaster::snapshot() const {
  std::lock_guard lock(mu_);
  return eg_;
}

}  // namespace weir::cluster
