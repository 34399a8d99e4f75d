#include "weir/cluster/taskmanager/task_executor.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include <fmt/format.h>

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
    jm_->update_task_execution_state(u);
    if (is_terminal(u.state)) te_->on_task_ended(u.id);
  }
  void acknowledge_checkpoint(const CheckpointAck& ack) override { jm_->acknowledge_checkpoint(ack); }
  void notify_end_of_data(const ExecutionAttemptId& id) override { jm_->notify_end_of_data(id); }
  void decline_checkpoint(const ExecutionAttemptId& id, int64_t checkpoint_id,
                          const std::string& reason) override {
    jm_->decline_checkpoint(id, checkpoint_id, reason);
  }

 private:
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
  reaper_ = std::thread([this] { reap_loop(); });
}

TaskExecutor::~TaskExecutor() {
  shutdown();
}

void TaskExecutor::submit_task(TaskDeploymentDescriptor tdd, std::shared_ptr<JobMasterGateway> job_master) {
  auto gw = std::make_shared<ReportingGateway>(this, std::move(job_master));
  auto task = std::make_unique<Task>(std::move(tdd), registry_.get(), std::move(gw), data_plane_.get(),
                                     TaskServices{local_state_.get(), &restore_counters_});
  Task* raw = task.get();
  {
    std::lock_guard lock(mu_);
    tasks_[raw->id()] = std::move(task);
  }
  raw->start();
}

void TaskExecutor::cancel_task(const ExecutionAttemptId& id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it != tasks_.end()) it->second->cancel();
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
  return TaskCounters{m.records_in, m.records_out, m.output_wait_ns, m.input_watermark};
}

void TaskExecutor::on_task_ended(const ExecutionAttemptId& id) {
  {
    std::lock_guard lock(mu_);
    ended_.push_back(id);
  }
  cv_.notify_all();
}

void TaskExecutor::reap_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !ended_.empty(); });
    while (!ended_.empty()) {
      auto id = ended_.back();
      ended_.pop_back();
      auto it = tasks_.find(id);
      if (it == tasks_.end()) continue;
      auto task = std::move(it->second);
      tasks_.erase(it);
      lock.unlock();
      task->join();
      TaskMetrics final_counts = task->metrics();
      task.reset();
      lock.lock();
      ended_metrics_.push_back(std::move(final_counts));
      if (ended_metrics_.size() > kRetainedEndedTasks) ended_metrics_.pop_front();
    }
    if (stopping_) return;
  }
}

void TaskExecutor::cancel_all_tasks() {
  std::lock_guard lock(mu_);
  for (auto& [id, t] : tasks_) t->cancel();
}

void TaskExecutor::shutdown() {
  std::map<ExecutionAttemptId, std::unique_ptr<Task>> remaining;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !reaper_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  {
    std::lock_guard lock(mu_);
    remaining.swap(tasks_);
  }
  for (auto& [id, t] : remaining) t->cancel();
  for (auto& [id, t] : remaining) t->join();
  // Local copies do not outlive their TaskManager (a new one would not find them anyway).
  for (const auto& dir : local_state_->root_dirs()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

void TaskExecutor::release_job(const std::string& job_key_prefix) {
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
