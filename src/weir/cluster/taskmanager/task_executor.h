#pragma once
// A TaskManager's task executor: offers slots, runs deployed subtasks as Tasks, and reaps their
// threads when they end. Implements the TaskExecutorGateway.
//
// Threading: gateway calls from any thread (guarded by mu_); a reaper thread joins ended tasks and
// watches canceled ones: a task whose thread has not stopped task.cancellation.timeout after its
// cancellation (a user function that never returns) is a fatal error of the TaskManager (as in Flink):
// the fatal-error handler runs with a message naming it (a TaskManager process exits, so the JobManager
// reschedules its work elsewhere); when the handler returns (an embedded cluster), the task is abandoned:
// reported CANCELED to its JobMaster, its thread left running and the Task never destroyed. What the
// reaper's own loop throws is fatal in the same way; when the handler returns, every task is canceled and
// reported ended (FAILED, naming the reaper's error, unless it was being canceled), deployments are
// refused, and shutdown() joins the tasks itself (giving up on one still running at its cancellation
// deadline, as the watchdog does), so it neither waits for a reaper that is gone nor frees what a task
// still uses.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
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
  void cancel_task(const ExecutionAttemptId& id, CancelLost lost = nullptr) override;
  std::vector<ExecutionAttemptId> task_attempts() const override;
  void trigger_checkpoint(const ExecutionAttemptId& id, const CheckpointBarrier& b) override;
  void notify_checkpoint_complete(const ExecutionAttemptId& id, int64_t checkpoint_id) override;
  void notify_checkpoint_aborted(const ExecutionAttemptId& id, int64_t checkpoint_id) override;
  void stop_source(const ExecutionAttemptId& id) override;
  std::optional<int64_t> output_wait_ns(const ExecutionAttemptId& id) const override;
  std::optional<TaskCounters> task_counters(const ExecutionAttemptId& id) const override;
  //! Cancels every running task (they end CANCELED and are reaped); the executor keeps serving.
  void cancel_all_tasks();
  //! What runs when a canceled task does not stop in time, or the reaper fails (see above). The default
  //! logs the message and ends the process (exit code 70); set before tasks run.
  void set_fatal_error_handler(std::function<void(const std::string& message)> handler);
  //! Tasks given up on (by the cancellation watchdog, or by shutdown() after a failed reaper) whose
  //! threads still run.
  size_t num_abandoned_tasks_running() const;
  //! Cancels every task and waits for their threads; a task still running task.cancellation.timeout
  //! after it is given up on like any canceled task (the fatal error handler). Deployments are refused
  //! from the start of the shutdown.
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
  void on_task_ended(const ExecutionAttemptId& id, ExecutionState state);
  void reap_loop();
  //! Leaves a task that did not stop running: detached, kept in abandoned_ and never destroyed (its thread
  //! may still use it). Takes mu_.
  void give_up(std::unique_ptr<Task> task);
  //! The reaper failed and the fatal handler returned: cancels every task and reports it ended (FAILED
  //! with `why`, or CANCELED when its JobMaster had canceled it), leaves it to shutdown() to join, and
  //! refuses deployments from now on, naming `why`. Takes mu_.
  void abandon_all_tasks(const std::string& why);
  //! Notes a cancellation for the watchdog. REQUIRES: mu_ held.
  void note_canceled(const ExecutionAttemptId& id, const Task& task);
  //! Reports canceled tasks still running and gives up on those past their timeout; returns when to
  //! look again. REQUIRES: lock holds mu_ (released while the handler runs).
  std::chrono::steady_clock::time_point watch_canceled(std::unique_lock<std::mutex>& lock);

  struct Canceled {
    std::chrono::steady_clock::time_point at;
    std::chrono::steady_clock::time_point next_report;
    Duration interval{};
    Duration timeout{};
  };

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
  std::map<ExecutionAttemptId, Canceled> canceled_;                           // REQUIRES: mu_ held
  std::map<ExecutionAttemptId, std::shared_ptr<ReportingGateway>> gateways_;  // REQUIRES: mu_ held
  std::vector<Task*> abandoned_;  // never destroyed (their threads may run on)
  std::function<void(const std::string&)> fatal_handler_;
  bool canceled_changed_ = false;  // a cancellation the watchdog has not looked at (REQUIRES: mu_ held)
  std::deque<TaskMetrics> ended_metrics_;  // REQUIRES: mu_ held
  //! Attempts with a task here that ended failed or canceled: their channels go with their last task.
  std::set<std::pair<JobId, int>> failed_attempts_;  // REQUIRES: mu_ held
  bool stopping_ = false;                            // the reaper ends (REQUIRES: mu_ held)
  bool shutting_down_ = false;                       // no more deployments (REQUIRES: mu_ held)
  std::string reaper_failure_;                       // set when the reaper failed (REQUIRES: mu_ held)
  //! Tasks a failed reaper left, for shutdown() to join by their cancellation deadline.
  struct Orphan {
    std::unique_ptr<Task> task;
    std::chrono::steady_clock::time_point deadline;
  };
  std::vector<Orphan> orphans_;      // REQUIRES: mu_ held
  std::condition_variable drained_;  // tasks_ became empty
  std::thread reaper_;
};

}  // namespace weir::cluster
