#pragma once
// Runs one job (Flink's JobMaster with its scheduler): allocates slots, deploys one Task per subtask, follows
// their states, triggers checkpoints and savepoints (CheckpointCoordinator keeps them) and decides the job's
// status. What happens on a task failure is Failover's (restart strategy, region or whole-job restarts,
// restoring from the latest completed checkpoint); stop-with-savepoint, with and without drain, is
// StopWithSavepoint's; the exception history is ExceptionHistory's. attempt() counts restarts of either
// kind; each subtask's deployment carries the count at which it was deployed (ExecutionVertex::attempt).
// A cancel that cannot be delivered to its TaskManager is retried (kCancelTries tries in all, as Flink's
// Execution.sendCancelRpcCall) and then the attempt is taken as canceled, so a failover or the job's
// cancel does not wait for it forever; heartbeat reconciliation cancels it on the TaskManager later.
//
// Threading: gateway calls from task threads, client calls from any thread, timer actions and the
// parts of I/O steps that run under the lock are all serialized by mu_ (Failover and StopWithSavepoint are
// called under it; they have no lock of their own). No file I/O, ZooKeeper call or
// wait on another component's thread happens under mu_: checkpoint metadata, HA completions and checkpoint
// id reservations, discards, reading the checkpoint a restart restores from and the end-of-job callback
// are steps of lane_ (an
// IoLane on the Dispatcher's IoExecutor), and continue under mu_ when their I/O is done. Calls into
// TaskExecutors made under mu_ only set flags or queue mails.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "weir/cluster/gateways.h"
#include "weir/cluster/jobmanager/checkpoint_coordinator.h"
#include "weir/cluster/jobmanager/exception_history.h"
#include "weir/cluster/jobmanager/execution_graph.h"
#include "weir/cluster/jobmanager/failover.h"
#include "weir/cluster/jobmanager/io_executor.h"
#include "weir/cluster/jobmanager/io_lane.h"
#include "weir/cluster/jobmanager/stop_with_savepoint.h"
#include "weir/cluster/jobmanager/timer_thread.h"

namespace weir::cluster {

class JobMaster final : public JobMasterGateway, public std::enable_shared_from_this<JobMaster> {
 public:
  //! Tries of a cancel that does not reach its TaskManager before its attempt is taken as canceled (Flink's
  //! Execution.NUM_CANCEL_CALL_TRIES).
  static constexpr int kCancelTries = 3;

  JobMaster(JobId id, std::shared_ptr<const graph::JobGraph> jg, std::shared_ptr<ResourceManagerGateway> rm,
            std::shared_ptr<Clock> clock, std::function<void(const JobId&)> on_terminal,
            std::shared_ptr<IoExecutor> io = nullptr);
  ~JobMaster() override;

  //! Allocates slots and deploys. On an elastic cluster short of slots the job stays CREATED and waits
  //! for TaskManagers up to slot.request.timeout.
  void start();
  void cancel();
  //! With HA, before start(): checkpoint ids and completions go through ZooKeeper (CheckpointHaHooks).
  void set_checkpoint_ha_hooks(CheckpointHaHooks hooks) { checkpoint_ha_ = std::move(hooks); }
  //! This JobManager lost its leadership: the JobMaster stops acting (no deployments, restarts,
  //! checkpoints, cancellations, no on_terminal) and leaves the tasks to the next leader, which fences
  //! them off. The job's status stays what it was; suspended() says it is no longer followed.
  void suspend(const std::string& why);
  bool suspended() const {
    std::lock_guard lock(mu_);
    return suspended_;
  }
  void update_task_execution_state(const TaskStateUpdate& update) override;
  //! TaskManager `tm` is gone (heartbeat timeout, lost connection, or it left): its tasks have failed
  //! with `why`. The whole job fails over (its slots must be found anew), by the restart strategy.
  void on_task_manager_lost(NodeId tm, const std::string& why);
  void acknowledge_checkpoint(const CheckpointAck& ack) override;
  void decline_checkpoint(const ExecutionAttemptId& id, int64_t checkpoint_id,
                          const std::string& reason) override;
  //! Heartbeat reconciliation (Flink's ExecutionDeploymentReconciler). Taken just before a TaskManager is
  //! asked for its heartbeat payload (TaskExecutorGateway::task_attempts): a token for
  //! reconcile_task_manager.
  uint64_t heartbeat_token();
  //! `present`: the attempts of this job that TaskManager `tm` reported, asked after `token` was taken. An
  //! attempt there that is not this job's current one for its subtask (an older attempt, an unknown index),
  //! or that the JobMaster holds ended, is cancelled on the TaskManager. An attempt placed on `tm` that the
  //! JobMaster saw RUNNING before `token` and that is not there has vanished: it fails (as a task failure,
  //! by the restart strategy). Attempts still deploying, or RUNNING only since, are left alone.
  void reconcile_task_manager(NodeId tm, uint64_t token, const std::vector<ExecutionAttemptId>& present);
  //! When every source has reached the end of its data, the final checkpoint starts at once.
  void notify_end_of_data(const ExecutionAttemptId& id) override;

  //! Takes a savepoint into `dir`; the future yields its path, or throws why it failed.
  std::future<std::string> trigger_savepoint(const std::string& dir);
  //! Takes a checkpoint now (outside the periodic schedule).
  std::future<std::string> trigger_checkpoint();
  //! Stops the job with a savepoint into `dir`; the job ends FINISHED. Without `drain` the savepoint
  //! is taken first and the tasks are canceled after it (windows and timers stay in the savepoint).
  //! With `drain` the sources stop first and end their input (maximum watermark, so every event-time
  //! window and timer fires, then end of data); the savepoint is the final checkpoint after that.
  std::future<std::string> stop_with_savepoint(const std::string& dir, bool drain = false);

  JobStatus status() const;
  //! Waits until the job is terminal and its end is settled (checkpoint files deleted per the retention,
  //! the end-of-job callback run), or `timeout` passes; returns the status then.
  JobStatus wait(std::chrono::milliseconds timeout = std::chrono::milliseconds::max()) const;
  std::string failure() const;
  const JobId& id() const { return id_; }
  const std::string& name() const { return jg_->name; }
  //! The job's graph (immutable; REST renders its plan from it).
  const graph::JobGraph& job_graph() const { return *jg_; }
  int64_t start_time_ms() const { return start_ms_; }
  int64_t end_time_ms() const;
  //! Per-vertex subtask states and attempts (REST, CLI, tests).
  ExecutionGraph snapshot() const;
  int attempt() const;
  //! The newest failures, oldest first: at most web.exception-history-size of them.
  std::vector<ExceptionEntry> exception_history() const;
  //! Failures ever recorded (more than exception_history() holds once it is truncated).
  uint64_t exceptions_total() const;
  CheckpointStats checkpoint_stats() const;
  std::vector<CompletedCheckpoint> retained_checkpoints() const;
  //! Heap bytes the JobManager keeps for this job's checkpoints: the coordinator's (memory_bytes) and the
  //! handles of the checkpoint it restores from. Independent of the state's size.
  uint64_t checkpoint_memory_bytes() const;
  //! Per subtask of `vertex`, its current attempt's output-buffer wait (TaskExecutorGateway::
  //! output_wait_ns), nullopt when not deployed or not measurable. Asks the TaskExecutors outside mu_.
  std::vector<std::optional<int64_t>> output_wait_ns(int vertex) const;
  //! Per subtask of `vertex`, its current attempt's counters (TaskExecutorGateway::task_counters),
  //! nullopt when not deployed or not reachable. Asks the TaskExecutors outside mu_.
  std::vector<std::optional<TaskCounters>> task_counters(int vertex) const;

 private:
  // Parts of the JobMaster taken out into their own classes; they work on its state under mu_.
  friend class Failover;
  friend class StopWithSavepoint;

  //! Each subtask of `vertex`: its current attempt and the gateway of the TaskManager it runs on (null
  //! when it has no slot). Takes mu_.
  std::vector<std::pair<ExecutionAttemptId, std::shared_ptr<TaskExecutorGateway>>> subtask_gateways(
      int vertex) const;
  void deploy_locked();
  //! Makes slots_ enough slots on registered TaskManagers. When it cannot yet (an elastic cluster),
  //! schedules `retry` and returns false; when it never can, fails the job and returns false.
  bool ensure_slots_locked(std::function<void()> retry);
  void start_running();
  void start_running_locked();
  std::vector<std::vector<std::string>> locations_locked() const;
  void update_task_execution_state_locked(const TaskStateUpdate& update);
  void deploy_task_locked(int vertex, int subtask);
  bool is_current_locked(const ExecutionAttemptId& id) const;
  void cancel_all_locked();
  void transition_locked(JobStatus s);
  //! A task failed: recorded in the history, a drain fails, and Failover decides what restarts.
  void on_task_failure_locked(const std::string& task, const std::string& error, int vertex, int subtask);
  void on_all_terminal_locked();
  //! Sends a cancel to `ev`'s current attempt; a cancel that is lost is retried (cancel_lost).
  void cancel_task_locked(const ExecutionVertex& ev);
  //! A cancel of `id` (try `tries`) did not reach its TaskManager (`why`): retried while tries are left,
  //! then the attempt is taken as CANCELED (Flink's Execution.sendCancelRpcCall, then fail() of a CANCELING
  //! attempt). Takes mu_.
  void cancel_lost(const ExecutionAttemptId& id, int tries, const std::string& why);
  void send_cancel_locked(const ExecutionAttemptId& id, int tries);
  IoLane& lane_locked();
  //! Under mu_: a checkpoint or savepoint has completed (its metadata durable).
  void on_checkpoint_completed_locked(const CompletedCheckpoint& c);
  void schedule_periodic();
  void periodic_checkpoint();
  std::string trigger_locked(bool savepoint, const std::string& dir,
                             std::function<void(const std::string&, const std::string&)> done);
  void notify_tasks_locked(int64_t checkpoint_id, bool completed);
  void end_locked();
  int64_t now_ms() const { return SystemClock::shared()->now_ms(); }

  JobId id_;
  std::shared_ptr<const graph::JobGraph> jg_;
  std::shared_ptr<ResourceManagerGateway> rm_;
  std::shared_ptr<Clock> clock_;
  std::function<void(const JobId&)> on_terminal_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  JobStatus status_ = JobStatus::kCreated;
  int attempt_ = 0;
  int first_attempt_ = 0;  // checkpoint_ha_.first_attempt, set by start()
  ExecutionGraph eg_;
  std::vector<SlotOffer> slots_;
  std::map<std::pair<int, int>, NodeId> placement_;
  std::string failure_;
  ExceptionHistory history_;
  // HA: a periodic or end-of-data checkpoint waits for checkpoint ids being reserved (at most one waits).
  bool auto_trigger_waits_for_id_ = false;
  uint64_t seq_ = 0;  // heartbeat tokens and RUNNING arrivals (ExecutionVertex::running_seq)
  Failover failover_{*this};
  StopWithSavepoint stop_{*this};
  std::set<std::pair<int, int>> sources_at_end_;  // (vertex, subtask) of the current attempts
  std::unique_ptr<CheckpointCoordinator> coordinator_;
  CheckpointHaHooks checkpoint_ha_;  // set before start()
  bool suspended_ = false;
  //! What new attempts restore: a completed checkpoint's handles (never its state).
  std::shared_ptr<const checkpoint::CompletedCheckpoint> restore_;
  int64_t slot_wait_since_ms_ = -1;  // when the job began waiting for slots; -1: not waiting
  int64_t start_ms_ = 0;
  int64_t end_ms_ = 0;
  std::shared_ptr<IoExecutor> io_;
  std::unique_ptr<IoLane> lane_;  // lane_locked() makes it (it needs weak_from_this())
  bool end_done_ = false;         // the end step (files per retention, on_terminal_) has run
  TimerThread timer_;
};

}  // namespace weir::cluster
