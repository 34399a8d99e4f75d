#include "weir/cluster/taskmanager/task_executor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "weir/cluster/taskmanager/task_options.h"
#include "weir/common/error.h"
#include "weir/common/failure_points.h"
#include "weir/common/log.h"
#include "weir/common/thread_name.h"

namespace weir::cluster {

namespace {
// A directory of this TaskManager's own below each root of local copies: TaskManagers of one host (and
// of one test process) never share one.
std::vector<std::string> own_local_state_dirs(std::vector<std::string> roots, NodeId id) {
  static std::atomic<uint64_t> seq{0};
  if (roots.empty()) roots = checkpoint::local_state_root_dirs(Configuration{});
  const std::string own = fmt::format("tm-{}-{}-{}", ::getpid(), seq.fetch_add(1), id.value());
  for (auto& r : roots) r = (std::filesystem::path(r) / own).string();
  return roots;
}
}  // namespace

// Forwards a task's state to its JobMaster and, once the task ended, tells the executor to reap it.
class TaskExecutor::ReportingGateway final : public JobMasterGateway {
 public:
  ReportingGateway(TaskExecutor* te, std::shared_ptr<JobMasterGateway> jm) : te_(te), jm_(std::move(jm)) {}
  void update_task_execution_state(const TaskStateUpdate& u) override {
    {
      std::lock_guard lock(mu_);
      if (abandoned_) return;
      if (is_terminal(u.state)) reported_end_ = true;
    }
    jm_->update_task_execution_state(u);
    if (is_terminal(u.state)) te_->on_task_ended(u.id, u.state);
  }
  void acknowledge_checkpoint(const CheckpointAck& ack) override {
    if (!abandoned_) jm_->acknowledge_checkpoint(ack);
  }
  void notify_end_of_data(const ExecutionAttemptId& id) override {
    if (!abandoned_) jm_->notify_end_of_data(id);
  }
  void decline_checkpoint(const ExecutionAttemptId& id, int64_t checkpoint_id,
                          const std::string& reason) override {
    if (!abandoned_) jm_->decline_checkpoint(id, checkpoint_id, reason);
  }
  //! The TaskManager gave up on the task (the watchdog: `state` CANCELED, as its JobMaster asked; a failed
  //! reaper: FAILED unless it was being canceled): reports that it ended, unless it reported its end
  //! already, then drops whatever it says later.
  void abandon(const ExecutionAttemptId& id, const std::string& message,
               ExecutionState state = ExecutionState::kCanceled) {
    {
      std::lock_guard lock(mu_);
      const bool report = !abandoned_ && !reported_end_;
      abandoned_ = true;
      if (!report) return;
    }
    jm_->update_task_execution_state({id, state, message});
  }

 private:
  std::mutex mu_;                       // orders a final state report against abandon()
  bool reported_end_ = false;           // REQUIRES: mu_ held
  std::atomic<bool> abandoned_{false};  // written under mu_
  TaskExecutor* te_;
  std::shared_ptr<JobMasterGateway> jm_;
};

TaskExecutor::TaskExecutor(NodeId id, int slots, std::shared_ptr<network::PartitionRegistry> registry,
                           std::shared_ptr<network::DataPlane> data_plane,
                           std::vector<std::string> local_state_dirs)
    : id_(id),
      slots_(slots),
      registry_(std::move(registry)),
      data_plane_(std::move(data_plane)),
      local_state_(std::make_unique<checkpoint::LocalStateStore>(
          own_local_state_dirs(std::move(local_state_dirs), id))) {
  reaper_ = std::thread([this] {
    set_thread_name("tm-reaper");
    // Without its reaper a TaskManager neither frees ended tasks nor watches canceled ones: what the loop
    // throws is a fatal error of the TaskManager, as a task that does not stop is.
    auto fatal = [this](const std::string& what) {
      const std::string message = fmt::format("the TaskManager's task reaper failed: {}", what);
      log::get("taskmanager").critical("FATAL: {}", message);
      std::function<void(const std::string&)> handler;
      {
        std::lock_guard lock(mu_);
        handler = fatal_handler_;
      }
      if (!handler) {
        std::fflush(nullptr);
        std::_Exit(70);
      }
      handler(message);
      // The handler returned (an embedded cluster): with no reaper, no task here would be joined or
      // freed, and shutdown() would wait for them forever. Every task is given up on, as the watchdog
      // gives up on a stuck one, and no deployment is taken any more.
      abandon_all_tasks(message);
    };
    try {
      reap_loop();
    } catch (const std::exception& e) {
      fatal(e.what());
    } catch (...) {
      fatal("an exception that is not a std::exception");
    }
  });
}

TaskExecutor::~TaskExecutor() {
  shutdown();
}

void TaskExecutor::submit_task(TaskDeploymentDescriptor tdd, std::shared_ptr<JobMasterGateway> job_master) {
  const ExecutionAttemptId id{tdd.job, tdd.attempt, tdd.vertex, tdd.subtask};
  auto gw = std::make_shared<ReportingGateway>(this, std::move(job_master));
  auto task = std::make_unique<Task>(std::move(tdd), registry_.get(), gw, data_plane_.get(),
                                     TaskServices{local_state_.get(), &restore_counters_});
  // Checked, registered and started under one lock. shutdown() cancels what is in tasks_, so a task added
  // after it looked would run on unseen. The reaper reaches a task only through tasks_, so only after
  // start() stored its thread (a task started after unlocking could end, be joined before its std::thread
  // was stored, and be destroyed during the store: std::terminate).
  std::lock_guard lock(mu_);
  if (!reaper_failure_.empty())
    throw WeirError(fmt::format("subtask {} of vertex {} of job {} is not deployed here: {}", id.subtask,
                                id.vertex, id.job.to_string(), reaper_failure_));
  if (shutting_down_)
    throw WeirError(fmt::format(
        "the TaskManager is shutting down: subtask {} of vertex {} of job {} is not deployed here",
        id.subtask, id.vertex, id.job.to_string()));
  // A new leading JobManager recovers a job under the same id and counts attempts from the start again, so
  // its first deployment can name a task that the former leader deployed here and that is still being
  // canceled. Replacing it in tasks_ would destroy a running Task (and let the reaper take the new one for
  // it); refused instead, the deployment fails and the JobMaster redeploys as the next attempt.
  if (tasks_.count(id))
    throw WeirError(
        fmt::format("attempt {} of subtask {} of vertex {} of job {} is still running here (deployed by a "
                    "former JobManager, being canceled): deploy a new attempt",
                    id.attempt, id.subtask, id.vertex, id.job.to_string()));
  Task* raw = task.get();
  gateways_[id] = std::move(gw);
  tasks_[id] = std::move(task);
  raw->start();
}

void TaskExecutor::cancel_task(const ExecutionAttemptId& id, CancelLost /*lost: never, in-process*/) {
  {
    std::lock_guard lock(mu_);
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return;
    it->second->cancel();
    note_canceled(id, *it->second);
  }
  cv_.notify_all();  // the watchdog's next deadline may be sooner now
}

std::vector<ExecutionAttemptId> TaskExecutor::task_attempts() const {
  std::lock_guard lock(mu_);
  std::vector<ExecutionAttemptId> out;
  out.reserve(tasks_.size());
  for (const auto& [id, task] : tasks_) out.push_back(id);
  return out;
}

void TaskExecutor::note_canceled(const ExecutionAttemptId& id, const Task& task) {
  if (canceled_.count(id)) return;
  Canceled c;
  c.at = std::chrono::steady_clock::now();
  try {
    c.interval = task.job_config().get_duration(options::kTaskCancellationInterval);
    c.timeout = task.job_config().get_duration(options::kTaskCancellationTimeout);
  } catch (const std::exception& e) {
    log::get("taskmanager")
        .warn("task '{}': {}; using the default cancellation interval and timeout", task.name(), e.what());
    c.interval = Configuration().get_duration(options::kTaskCancellationInterval);
    c.timeout = Configuration().get_duration(options::kTaskCancellationTimeout);
  }
  if (c.interval.count() <= 0) c.interval = std::chrono::seconds(30);
  c.next_report = c.at + c.interval;
  canceled_[id] = c;
  canceled_changed_ = true;
}

void TaskExecutor::set_fatal_error_handler(std::function<void(const std::string&)> handler) {
  std::lock_guard lock(mu_);
  fatal_handler_ = std::move(handler);
}

size_t TaskExecutor::num_abandoned_tasks_running() const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(
      std::count_if(abandoned_.begin(), abandoned_.end(), [](const Task* t) { return !t->thread_done(); }));
}

std::chrono::steady_clock::time_point TaskExecutor::watch_canceled(std::unique_lock<std::mutex>& lock) {
  using Clock = std::chrono::steady_clock;
  auto next = Clock::time_point::max();
  const auto now = Clock::now();
  for (auto it = canceled_.begin(); it != canceled_.end();) {
    auto t = tasks_.find(it->first);
    const bool ending = std::find(ended_.begin(), ended_.end(), it->first) != ended_.end();
    if (t == tasks_.end() || ending) {
      it = canceled_.erase(it);
      continue;
    }
    Canceled& c = it->second;
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - c.at);
    if (c.timeout.count() > 0 && now >= c.at + c.timeout) {
      const ExecutionAttemptId id = it->first;
      const std::string message = fmt::format(
          "task '{}' did not stop within task.cancellation.timeout ({} ms) of its cancellation: its thread "
          "is "
          "stuck (a user function that does not return?); the TaskManager fails so that its work is "
          "rescheduled",
          t->second->name(), std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout).count());
      std::unique_ptr<Task> task = std::move(t->second);
      tasks_.erase(t);
      if (tasks_.empty()) drained_.notify_all();
      it = canceled_.erase(it);
      auto gw = gateways_.count(id) ? gateways_[id] : nullptr;
      gateways_.erase(id);
      auto handler = fatal_handler_;
      lock.unlock();
      log::get("taskmanager").critical("FATAL: {}", message);
      if (!handler) {
        std::fflush(nullptr);
        std::_Exit(70);
      }
      handler(message);
      // The handler returned (an embedded cluster): give up on the task, and tell its JobMaster it ended.
      give_up(std::move(task));
      if (gw) gw->abandon(id, message);
      lock.lock();
      return Clock::now();  // the maps changed: look again
    }
    if (now >= c.next_report) {
      log::get("taskmanager")
          .warn(
              "task '{}' is still running {} ms after its cancellation (a user function that does not "
              "return?); {}",
              t->second->name(), waited.count(),
              c.timeout.count() > 0 ? "the TaskManager fails at task.cancellation.timeout"
                                    : "task.cancellation.timeout is 0: waiting for it");
      c.next_report = now + c.interval;
    }
    next = std::min(next, c.next_report);
    if (c.timeout.count() > 0) next = std::min(next, c.at + c.timeout);
    ++it;
  }
  return next;
}

void TaskExecutor::trigger_checkpoint(const ExecutionAttemptId& id, const CheckpointBarrier& b) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it != tasks_.end()) it->second->trigger_checkpoint(b);
}

void TaskExecutor::notify_checkpoint_complete(const ExecutionAttemptId& id, int64_t checkpoint_id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it != tasks_.end()) it->second->notify_checkpoint_complete(checkpoint_id);
}

void TaskExecutor::notify_checkpoint_aborted(const ExecutionAttemptId& id, int64_t checkpoint_id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it != tasks_.end()) it->second->notify_checkpoint_aborted(checkpoint_id);
}

void TaskExecutor::stop_source(const ExecutionAttemptId& id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it != tasks_.end()) it->second->stop_source();
}

std::optional<int64_t> TaskExecutor::output_wait_ns(const ExecutionAttemptId& id) const {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second->output_wait_ns();
}

std::optional<TaskCounters> TaskExecutor::task_counters(const ExecutionAttemptId& id) const {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  TaskMetrics m = it->second->metrics();
  return TaskCounters{m.records_in, m.records_out, m.output_wait_ns, m.input_watermark, m.idle_ns};
}

void TaskExecutor::on_task_ended(const ExecutionAttemptId& id, ExecutionState state) {
  {
    std::lock_guard lock(mu_);
    ended_.push_back(id);
    if (state != ExecutionState::kFinished) failed_attempts_.insert({id.job, id.attempt});
  }
  cv_.notify_all();
}

void TaskExecutor::reap_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    auto deadline = watch_canceled(lock);
    if (deadline == std::chrono::steady_clock::time_point::max())
      cv_.wait(lock, [&] { return stopping_ || !ended_.empty() || canceled_changed_; });
    else
      cv_.wait_until(lock, deadline, [&] { return stopping_ || !ended_.empty() || canceled_changed_; });
    canceled_changed_ = false;
    while (!ended_.empty()) {
      WEIR_FAILURE_POINT("taskmanager.reaper");  // a test's failure of the reaper itself (exit 70)
      auto id = ended_.back();
      ended_.pop_back();
      canceled_.erase(id);
      gateways_.erase(id);
      auto it = tasks_.find(id);
      if (it == tasks_.end()) continue;
      // The task stays in tasks_ (task_metrics() sees it) until its final counts are among the ended
      // ones: only this thread removes an ended task, so it is still there after the join.
      Task* task = it->second.get();
      lock.unlock();
      task->join();
      TaskMetrics final_counts = task->metrics();
      lock.lock();
      std::unique_ptr<Task> done = std::move(tasks_.at(id));
      tasks_.erase(id);
      ended_metrics_.push_back(std::move(final_counts));
      if (ended_metrics_.size() > kRetainedEndedTasks) ended_metrics_.pop_front();
      if (tasks_.empty()) drained_.notify_all();
      // The last task here of an attempt that failed or was canceled: its channels (and their buffers)
      // are garbage now, also while the job runs on in a newer attempt. A finished attempt keeps them:
      // a finished producer's data may still be on its way to a consumer elsewhere.
      std::string release_attempt;
      const std::pair<JobId, int> attempt{id.job, id.attempt};
      if (failed_attempts_.count(attempt) && std::none_of(tasks_.begin(), tasks_.end(), [&](const auto& kv) {
            return kv.first.job == id.job && kv.first.attempt == id.attempt;
          })) {
        failed_attempts_.erase(attempt);
        release_attempt = fmt::format("{}#{}", id.job.to_string(), id.attempt);
      }
      lock.unlock();
      done.reset();  // the Task's destructor may free much: not under the lock
      if (!release_attempt.empty()) {
        if (data_plane_) data_plane_->release_job(release_attempt);
        registry_->release_job(release_attempt);
      }
      lock.lock();
    }
    if (stopping_) return;
  }
}

void TaskExecutor::give_up(std::unique_ptr<Task> task) {
  task->detach();
  std::lock_guard lock(mu_);
  abandoned_.push_back(task.release());
}

void TaskExecutor::abandon_all_tasks(const std::string& why) {
  struct Told {
    ExecutionAttemptId id;
    std::shared_ptr<ReportingGateway> gateway;
    ExecutionState state;
  };
  std::vector<Told> to_tell;
  {
    std::lock_guard lock(mu_);
    reaper_failure_ = why;
    shutting_down_ = true;
    for (auto& [id, t] : tasks_) {
      // A task its JobMaster canceled ends CANCELED, as asked; any other ends FAILED, naming why.
      const ExecutionState state = canceled_.count(id) ? ExecutionState::kCanceled : ExecutionState::kFailed;
      t->cancel();
      note_canceled(id, *t);
      // Joined by shutdown() (it uses what this executor owns until its thread ends), within its
      // task.cancellation.timeout; 0 waits as long as it takes, as for the watchdog.
      const Canceled& c = canceled_.at(id);
      const auto deadline =
          c.timeout.count() > 0 ? c.at + c.timeout : std::chrono::steady_clock::time_point::max();
      orphans_.push_back({std::move(t), deadline});
      auto gw = gateways_.find(id);
      if (gw != gateways_.end()) to_tell.push_back({id, gw->second, state});
    }
    tasks_.clear();
    gateways_.clear();
    canceled_.clear();
    ended_.clear();
  }
  drained_.notify_all();
  for (const auto& t : to_tell) t.gateway->abandon(t.id, why, t.state);
}

void TaskExecutor::cancel_all_tasks() {
  {
    std::lock_guard lock(mu_);
    for (auto& [id, t] : tasks_) {
      t->cancel();
      note_canceled(id, *t);
    }
  }
  cv_.notify_all();
}

void TaskExecutor::shutdown() {
  std::vector<Orphan> orphans;
  {
    // Every task is canceled and left to the reaper: it joins those that stop, and its watchdog gives up
    // on one still running task.cancellation.timeout later (the fatal handler, as for any cancellation),
    // so a user function that never returns cannot hang the shutdown.
    std::unique_lock lock(mu_);
    if (stopping_ && !reaper_.joinable()) return;
    shutting_down_ = true;
    for (auto& [id, t] : tasks_) {
      t->cancel();
      note_canceled(id, *t);
    }
    cv_.notify_all();
    drained_.wait(lock, [&] { return tasks_.empty(); });
    stopping_ = true;
    orphans = std::move(orphans_);
  }
  cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  // The tasks a failed reaper left (abandon_all_tasks) are joined here, as the reaper would have; one still
  // running at its cancellation deadline is given up on as the watchdog gives up on one (left running,
  // never destroyed). A poll: its thread has no one to notify, and this runs once, after a fatal error.
  for (auto& o : orphans) {
    while (!o.task->thread_done() && std::chrono::steady_clock::now() < o.deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (o.task->thread_done()) {
      o.task->join();
      o.task.reset();
    } else {
      log::get("taskmanager")
          .critical("task '{}' did not stop within task.cancellation.timeout: left running", o.task->name());
      give_up(std::move(o.task));
    }
  }
  // Local copies do not outlive their TaskManager (a new one would not find them anyway).
  for (const auto& dir : local_state_->root_dirs()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

void TaskExecutor::release_job(const std::string& job_key_prefix) {
  {
    std::lock_guard lock(mu_);
    std::erase_if(failed_attempts_, [&](const auto& a) { return a.first.to_string() == job_key_prefix; });
  }
  if (data_plane_) data_plane_->release_job(job_key_prefix);
  registry_->release_job(job_key_prefix);
  local_state_->release_job(job_key_prefix);
}

std::vector<TaskMetrics> TaskExecutor::task_metrics() const {
  std::lock_guard lock(mu_);
  std::vector<TaskMetrics> out;
  out.reserve(tasks_.size() + ended_metrics_.size());
  for (const auto& [id, t] : tasks_) out.push_back(t->metrics());
  out.insert(out.end(), ended_metrics_.begin(), ended_metrics_.end());
  return out;
}

size_t TaskExecutor::num_running_tasks() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

}  // namespace weir::cluster
