#pragma once
// A TaskManager's task executor: offers slots, runs deployed subtasks as Tasks, and reaps their
// threads when they end. Implements the TaskExecutorGateway.
//
// Threading: gateway calls from any thread (guarded by mu_); a reaper thread joins ended tasks.
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "weir/cluster/gateways.h"
#include "weir/cluster/taskmanager/task.h"
#include "weir/network/data_plane.h"
#include "weir/network/partition_registry.h"

namespace weir::cluster {

class TaskExecutor final : public TaskExecutorGateway, public std::enable_shared_from_this<TaskExecutor> {
 public:
  //! `data_plane` (may be null) serves and reads the channels that cross to other TaskManagers; it
  //! must use `registry`.
  //! `local_state_dirs`: where local copies of snapshots go (taskmanager.state.local.root-dirs, already
  //! resolved; local_state_root_dirs()); empty: a directory of its own under the system's temp directory.
  TaskExecutor(NodeId id, int slots, std::shared_ptr<network::PartitionRegistry> registry,
               std::shared_ptr<network::DataPlane> data_plane = nullptr,
               std::vector<std::string> local_state_dirs = {});
  ~TaskExecutor() override;

  NodeId id() const override { return id_; }
  int num_slots() const override { return slots_; }
  std::string data_address() const override { return data_plane_ ? data_plane_->address() : std::string(); }
  //! Null when every task of this executor's jobs exchanges data in this process.
  network::DataPlane* data_plane() const { return data_plane_.get(); }
  void submit_task(TaskDeploymentDescriptor tdd, std::shared_ptr<JobMasterGateway> job_master) override;
  void cancel_task(const ExecutionAttemptId& id) override;
  void trigger_checkpoint(const ExecutionAttemptId& id, const CheckpointBarrier& b) override;
  void notify_checkpoint_complete(const ExecutionAttemptId& id, int64_t checkpoint_id) override;
  void notify_checkpoint_aborted(const ExecutionAttemptId& id, int64_t checkpoint_id) override;
  void stop_source(const ExecutionAttemptId& id) override;
  std::optional<int64_t> output_wait_ns(const ExecutionAttemptId& id) const override;
  std::optional<TaskCounters> task_counters(const ExecutionAttemptId& id) const override;
  //! Cancels every running task (they end CANCELED and are reaped); the executor keeps serving.
  void cancel_all_tasks();
  //! Cancels every task and waits for their threads.
  void shutdown();
  size_t num_running_tasks() const;
  //! Counters of the tasks running here, then of the last kRetainedEndedTasks that ended (their final
  //! counts), oldest first.
  std::vector<TaskMetrics> task_metrics() const;
  static constexpr size_t kRetainedEndedTasks = 256;
  //! Drops the channels of a job that ended (all its attempts), local and remote, and its local copies
  //! of snapshots.
  void release_job(const std::string& job_key_prefix);
  //! Local copies of snapshots kept by this TaskManager's tasks (local recovery).
  checkpoint::LocalStateStore& local_state() { return *local_state_; }
  //! What the restores of tasks here read (from the checkpoint storage and from local copies).
  const RestoreCounters& restore_counters() const { return restore_counters_; }

 private:
  class ReportingGateway;
  void on_task_ended(const ExecutionAttemptId& id);
  void reap_loop();

  NodeId id_;
  int slots_;
  std::shared_ptr<network::PartitionRegistry> registry_;
  std::shared_ptr<network::DataPlane> data_plane_;
  std::unique_ptr<checkpoint::LocalStateStore> local_state_;
  RestoreCounters restore_counters_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<ExecutionAttemptId, std::unique_ptr<Task>> tasks_;
  std::vector<ExecutionAttemptId> ended_;
  std::deque<TaskMetrics> ended_metrics_;  // REQUIRES: mu_ held
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace weir::cluster
