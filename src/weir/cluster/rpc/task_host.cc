#include "weir/cluster/rpc/task_host.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "weir/cluster/rpc/job_planner.h"
#include "weir/cluster/rpc/proto_convert.h"
#include "weir/cluster/rpc/rpc_log.h"
#include "weir/common/time.h"

namespace weir::cluster::rpc {

namespace {
constexpr const char* kRole = "taskmanager";
}

TaskHost::TaskHost(int slots, network::DataPlaneOptions data, std::chrono::milliseconds report_retry,
                   Configuration conf)
    : report_retry_(report_retry),
      conf_(std::move(conf)),
      registry_(std::make_shared<network::PartitionRegistry>()),
      data_plane_(std::make_shared<network::DataPlane>(registry_, std::move(data))),
      data_address_(data_plane_->address()),
      executor_(std::make_shared<TaskExecutor>(NodeId(0), slots, registry_, data_plane_,
                                               checkpoint::local_state_root_dirs(conf_))) {}

TaskHost::~TaskHost() {
  shutdown();
}

void TaskHost::connect(const std::string& job_manager_id, const std::string& address) {
  std::shared_ptr<RemoteJobMaster> previous;
  {
    std::lock_guard lock(mu_);
    if (job_manager_id == job_manager_id_) return;
    job_manager_id_ = job_manager_id;
    previous = std::move(job_master_);
    job_master_ = std::make_shared<RemoteJobMaster>(address, report_retry_);
    blobs_ = std::make_shared<blob::BlobCache>(address, conf_);
  }
  // Reports to the previous JobManager are pointless now and may wait for its deadline (a stopped or
  // dead leader): drop them, and let its last call end on another thread, not this registration's.
  if (previous) {
    previous->abandon();
    retired_.submit([previous = std::move(previous)]() mutable { previous.reset(); });
  }
  // Tasks deployed by an earlier JobManager (or before this one marked us lost) are not its tasks any more:
  // it has rescheduled them elsewhere.
  executor_->cancel_all_tasks();
}

void TaskHost::disconnect(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    job_manager_id_.clear();
  }
  if (executor_->num_running_tasks() > 0)
    log_line(kRole, fmt::format("canceling {} task(s): {}", executor_->num_running_tasks(), why));
  executor_->cancel_all_tasks();
}

std::string TaskHost::refuse_sender(const std::string& sender) {
  std::lock_guard lock(mu_);
  if (sender == job_manager_id_) return {};
  return fmt::format(
      "stale JobManager: this TaskManager serves JobManager (leader session) '{}', not '{}' (a deposed "
      "leader's request is refused)",
      job_manager_id_.empty() ? "none" : job_manager_id_, sender);
}

std::shared_ptr<const graph::JobGraph> TaskHost::graph_for(const JobId& job, const weir::rpc::JobSpec& spec) {
  {
    std::lock_guard lock(mu_);
    auto it = graphs_.find(job);
    if (it != graphs_.end()) return it->second;
  }
  std::shared_ptr<blob::BlobCache> blobs;
  {
    std::lock_guard lock(mu_);
    blobs = blobs_;
  }
  // Outside the lock: the download and the job's main may take a while.
  std::string library;
  if (spec.kind() == "library" || spec.kind() == "python") {
    if (!blobs) throw WeirError("no JobManager to download the job library from");
    library = blobs->get(blob::BlobKey::parse(spec.blob_key()), job.to_string()).string();
  }
  auto jg = plan_job(spec, library);
  std::lock_guard lock(mu_);
  return graphs_.emplace(job, std::move(jg)).first->second;
}

std::string TaskHost::submit(const weir::rpc::SubmitTaskRequest& req) {
  std::shared_ptr<RemoteJobMaster> jm;
  {
    std::lock_guard lock(mu_);
    jm = job_master_;
  }
  if (std::string refused = refuse_sender(req.job_manager_id()); !refused.empty()) return refused;
  try {
    ExecutionAttemptId id = from_proto(req.task());
    TaskDeploymentDescriptor tdd;
    tdd.job = id.job;
    tdd.attempt = id.attempt;
    tdd.vertex = id.vertex;
    tdd.subtask = id.subtask;
    tdd.job_graph = graph_for(id.job, req.spec());
    if (id.vertex < 0 || id.vertex >= static_cast<int>(tdd.job_graph->vertices.size()) || id.subtask < 0 ||
        id.subtask >= tdd.job_graph->vertices[id.vertex].parallelism)
      return fmt::format(
          "the job graph rebuilt here has no subtask {} of vertex {}: the job's main must build "
          "the same graph in every process",
          id.subtask, id.vertex);
    tdd.clock = SystemClock::shared();
    if (!req.restore_path().empty()) {
      auto r = std::make_shared<checkpoint::CompletedCheckpoint>();
      r->path = req.restore_path();
      r->metadata =
          checkpoint::decode_metadata(req.restore_handles(), "the state handles of a task deployment");
      tdd.restore = std::move(r);
    }
    for (const auto& l : req.locations())
      tdd.locations.emplace_back(l.data_address().begin(), l.data_address().end());
    executor_->submit_task(std::move(tdd), jm);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

void TaskHost::cancel(const weir::rpc::TaskAttempt& task) {
  executor_->cancel_task(from_proto(task));
}

void TaskHost::trigger_checkpoint(const weir::rpc::TriggerCheckpointRequest& req) {
  CheckpointBarrier b;
  b.id = req.checkpoint_id();
  b.timestamp = req.timestamp();
  b.savepoint = req.savepoint();
  b.target_dir = req.target_dir();
  executor_->trigger_checkpoint(from_proto(req.task()), b);
}

void TaskHost::notify_checkpoint(const weir::rpc::NotifyCheckpointRequest& req) {
  if (req.completed())
    executor_->notify_checkpoint_complete(from_proto(req.task()), req.checkpoint_id());
  else
    executor_->notify_checkpoint_aborted(from_proto(req.task()), req.checkpoint_id());
}

void TaskHost::stop_source(const weir::rpc::TaskAttempt& task) {
  executor_->stop_source(from_proto(task));
}

std::vector<ExecutionAttemptId> TaskHost::task_attempts() {
  // The tasks first, then the final states in flight: a task's final state is queued before the task
  // leaves the executor, so an attempt that ends meanwhile is in one of the two.
  std::vector<ExecutionAttemptId> out = executor_->task_attempts();
  std::shared_ptr<RemoteJobMaster> jm;
  {
    std::lock_guard lock(mu_);
    jm = job_master_;
  }
  if (jm) {
    auto more = jm->undelivered();
    out.insert(out.end(), more.begin(), more.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

std::optional<int64_t> TaskHost::output_wait_ns(const weir::rpc::TaskAttempt& task) const {
  return executor_->output_wait_ns(from_proto(task));
}

std::optional<TaskCounters> TaskHost::task_counters(const weir::rpc::TaskAttempt& task) const {
  return executor_->task_counters(from_proto(task));
}

void TaskHost::release_job(const std::string& job_id) {
  JobId job = parse_job_id(job_id);
  executor_->release_job(job.to_string());
  std::shared_ptr<blob::BlobCache> blobs;
  {
    std::lock_guard lock(mu_);
    graphs_.erase(job);
    unlisted_since_.erase(job);
    blobs = blobs_;
  }
  // After the graph: its library may still be loaded from the file (deleting it is safe on Linux: the
  // mapping stays), but a later deployment of the job must not find its graph without the file.
  if (blobs) blobs->release_job(job.to_string());
}

void TaskHost::release_jobs_not_running(const std::vector<std::string>& running,
                                        std::chrono::milliseconds grace) {
  std::set<JobId> listed;
  try {
    for (const auto& j : running) listed.insert(parse_job_id(j));
  } catch (const std::exception& e) {
    log_line(kRole, fmt::format("ignoring the running jobs of a heartbeat: {}", e.what()));
    return;
  }
  // The tasks first: a job whose task is deployed meanwhile was listed by the JobManager anyway (it runs).
  std::set<JobId> with_tasks;
  for (const auto& a : executor_->task_attempts()) with_tasks.insert(a.job);
  std::vector<JobId> gone;
  std::shared_ptr<blob::BlobCache> blobs;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(unlisted_since_, [&](const auto& kv) { return !graphs_.count(kv.first); });
    for (const auto& [job, graph] : graphs_) {
      if (listed.count(job) || with_tasks.count(job)) {
        unlisted_since_.erase(job);
        continue;
      }
      auto [it, first] = unlisted_since_.emplace(job, now);
      if (!first && now - it->second >= grace) gone.push_back(job);
    }
    blobs = blobs_;
  }
  // Off the heartbeat's thread: its answer must not wait for channels, files or the blob cache's lock.
  for (const auto& job : gone)
    retired_.submit([this, job, grace] {
      log_line(kRole, fmt::format("releasing job {}: no task here, and the JobManager has not run it for {} "
                                  "ms (its release was lost)",
                                  job.to_string(), grace.count()));
      release_job(job.to_string());
    });
  if (blobs) blobs->sweep();
}

std::vector<std::string> TaskHost::jobs_held() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [job, graph] : graphs_) out.push_back(job.to_string());
  return out;
}

void TaskHost::shutdown() {
  executor_->shutdown();
}

}  // namespace weir::cluster::rpc
