#pragma once
// What a TaskManager process does with the JobManager's task messages: it rebuilds each job's graph from
// its spec (once per job; job_planner.h), reads the checkpoint a deployment restores from (once per
// path), and runs the subtasks on its TaskExecutor, reporting to the JobManager through a
// RemoteJobMaster.
//
// Per-job leftovers (the cached graph, the job's blobs in the cache, its channels and local copies) go
// when the JobManager's ReleaseJob arrives, or, when that was lost, once the job has had no task here and
// no heartbeat of the JobManager listed it as running for heartbeat.timeout (release_jobs_not_running).
//
// Threading: every method from any thread (gRPC's server threads); caches under mu_.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "weir/cluster/blob/blob_cache.h"
#include "weir/cluster/rpc/cluster.pb.h"
#include "weir/cluster/rpc/remote_job_master.h"
#include "weir/cluster/taskmanager/task_executor.h"
#include "weir/common/serial_executor.h"
#include "weir/network/data_plane.h"
#include "weir/network/partition_registry.h"

namespace weir::cluster::rpc {

class TaskHost {
 public:
  //! Starts this TaskManager's data plane on `data` (throws WeirError naming taskmanager.data.port when
  //! it cannot listen).
  //! `conf` says where downloaded job libraries go (blob.storage.directory).
  TaskHost(int slots, network::DataPlaneOptions data, std::chrono::milliseconds report_retry,
           Configuration conf = {});
  ~TaskHost();

  //! A new JobManager (or the same one after it forgot this TaskManager): tasks of the previous one are
  //! canceled, reports go to `address`.
  void connect(const std::string& job_manager_id, const std::string& address);
  //! The JobManager is lost or forgot this TaskManager: it reschedules the tasks elsewhere, so they are
  //! canceled here (no output twice).
  void disconnect(const std::string& why);
  //! Fencing: why a request from JobManager `sender` (its id; with HA its leader session id) is refused, or
  //! empty when `sender` is the JobManager this TaskManager serves.
  [[nodiscard]] std::string refuse_sender(const std::string& sender);
  //! Starts a subtask; returns why it could not, empty on success.
  [[nodiscard]] std::string submit(const weir::rpc::SubmitTaskRequest& req);
  void cancel(const weir::rpc::TaskAttempt& task);
  void trigger_checkpoint(const weir::rpc::TriggerCheckpointRequest& req);
  void notify_checkpoint(const weir::rpc::NotifyCheckpointRequest& req);
  void stop_source(const weir::rpc::TaskAttempt& task);
  void release_job(const std::string& job_id);
  //! A heartbeat of the JobManager this TaskManager serves, listing the jobs it runs: a job kept here that
  //! has no task here and was listed by no such heartbeat for `grace` is released (its ReleaseJob was
  //! lost). Also deletes blobs whose cleanup interval ran out. A malformed job id skips the round.
  void release_jobs_not_running(const std::vector<std::string>& running, std::chrono::milliseconds grace);
  //! The jobs this TaskManager keeps something of (a cached graph), sorted.
  std::vector<std::string> jobs_held();
  //! The heartbeat's report to the JobManager (cluster/README.md, "Heartbeat reconciliation"): every task
  //! attempt present here, running or ended, and those whose final state is still on its way to the
  //! JobManager (RemoteJobMaster::undelivered).
  std::vector<ExecutionAttemptId> task_attempts();
  std::optional<int64_t> output_wait_ns(const weir::rpc::TaskAttempt& task) const;
  std::optional<TaskCounters> task_counters(const weir::rpc::TaskAttempt& task) const;
  void shutdown();
  const std::string& data_address() const { return data_address_; }
  //! Counters of the tasks running here and of recently ended ones (TaskExecutor::task_metrics()).
  std::vector<TaskMetrics> task_metrics() const { return executor_->task_metrics(); }
  size_t num_running_tasks() const { return executor_->num_running_tasks(); }
  //! What restores of tasks here read: from the checkpoint storage, and from local copies.
  const RestoreCounters& restore_counters() const { return executor_->restore_counters(); }

 private:
  std::shared_ptr<const graph::JobGraph> graph_for(const JobId& job, const weir::rpc::JobSpec& spec);

  const std::chrono::milliseconds report_retry_;
  const Configuration conf_;
  std::shared_ptr<network::PartitionRegistry> registry_;
  std::shared_ptr<network::DataPlane> data_plane_;
  const std::string data_address_;
  std::shared_ptr<TaskExecutor> executor_;
  std::mutex mu_;
  std::string job_manager_id_;                                      // REQUIRES: mu_ held
  std::shared_ptr<RemoteJobMaster> job_master_;                     // REQUIRES: mu_ held
  std::shared_ptr<blob::BlobCache> blobs_;                          // REQUIRES: mu_ held
  std::map<JobId, std::shared_ptr<const graph::JobGraph>> graphs_;  // REQUIRES: mu_ held
  // Jobs in graphs_ without a task here that the last heartbeats did not list, since when.
  std::map<JobId, std::chrono::steady_clock::time_point> unlisted_since_;  // REQUIRES: mu_ held
  // Where a previous JobManager's RemoteJobMaster ends (connect()) and jobs whose ReleaseJob was lost are
  // released (release_jobs_not_running()). Last: destroyed (drained) first.
  SerialExecutor retired_;
};

}  // namespace weir::cluster::rpc
