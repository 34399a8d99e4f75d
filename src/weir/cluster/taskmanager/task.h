#pragma once
// One subtask of one vertex, running on its own thread: it builds the operator chain, its input
// gates and result partitions, then runs the mailbox loop until its inputs end, it fails, or it is
// canceled. Its state changes go to the JobMaster through the gateway.
//
// Split as Flink splits StreamTask: the life and the loops (task.cc); building the operator chain and
// inputs from the deployment (task_build.cc, Flink's OperatorChain); the network input (task_input.h,
// StreamTaskNetworkInput: gates, frames, channel states, the watermark valve of each logical input in
// watermark_valve.h); the barrier handler (barrier_handler.h, CheckpointBarrierHandler: aligned and
// unaligned); what a checkpoint does in the task (task_checkpoint.cc, SubtaskCheckpointCoordinator: the
// synchronous snapshot, forwarding the barrier, notifications, the final checkpoint) and the
// asynchronous part of snapshots (snapshot_writer.h, AsyncCheckpointRunnable). The record path is the
// input's alone (gate, frame, dispatcher); the handler hears of barriers and channel ends.
//
// Threading: the constructor and cancel() run on the caller's thread; everything else on the task
// thread. cancel() only sets a flag and wakes the thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/checkpoint/local_state_store.h"
#include "weir/checkpoint/operator_snapshot.h"
#include "weir/cluster/gateways.h"
#include "weir/cluster/taskmanager/barrier_handler.h"
#include "weir/cluster/taskmanager/operator_call.h"
#include "weir/cluster/taskmanager/snapshot_writer.h"
#include "weir/cluster/taskmanager/task_input.h"
#include "weir/cluster/taskmanager/wait_time_meter.h"
#include "weir/network/data_plane.h"
#include "weir/network/input_gate.h"
#include "weir/network/partition_registry.h"
#include "weir/network/result_partition.h"
#include "weir/network/task_wakeup.h"
#include "weir/runtime/mailbox.h"
#include "weir/runtime/operator_failure.h"
#include "weir/runtime/processing_time_service.h"
#include "weir/runtime/type_info.h"

namespace weir::cluster {

//! A point-in-time copy of one task attempt's counters (TaskManager metrics).
struct TaskMetrics {
  std::string job;     //!< job id
  std::string vertex;  //!< vertex (task) name
  int subtask = 0;
  int parallelism = 1;
  int attempt = 0;
  int64_t records_in = 0;      //!< records read from the task's input gates
  int64_t records_out = 0;     //!< records written to its result partitions (once per partition)
  int64_t output_wait_ns = 0;  //!< time blocked waiting for output buffers (backpressure)
  int64_t idle_ns = 0;         //!< time waiting for input or for something to emit (idle)
  //! Bytes read from the checkpoint storage to restore (its share: heads, key groups).
  uint64_t restored_bytes = 0;
  ExecutionState state = ExecutionState::kDeploying;
  uint64_t restored_bytes_local = 0;  //!< read from the TaskManager's local copies instead (local recovery)
  Timestamp input_watermark = kMinTimestamp;  //!< minimum over its inputs' watermarks (none yet: min)
};

//! What the restores of one TaskManager's tasks read, over its life (any thread).
struct RestoreCounters {
  std::atomic<uint64_t> remote_bytes{0};
  //! Of remote_bytes, other subtasks' union list state (their heads), which every subtask reads remotely.
  std::atomic<uint64_t> remote_union_bytes{0};
  std::atomic<uint64_t> local_bytes{0};
  std::atomic<int64_t> subtasks{0};  //!< subtasks that restored state
  //! Of which read none of their own state from the checkpoint storage (all of it from local copies).
  std::atomic<int64_t> local_subtasks{0};
  std::atomic<int64_t> local_fallbacks{0};  //!< local copies found unusable (read remotely instead)
};

//! The TaskManager's services a task uses besides the network (each may be null).
struct TaskServices {
  //! Local copies of snapshots (local recovery); owned by the TaskExecutor.
  checkpoint::LocalStateStore* local_state = nullptr;
  RestoreCounters* restore_counters = nullptr;
};

class Task final : private TaskInputHost, private CheckpointTarget {
 public:
  //! `data_plane` (may be null: every producer runs in this process) brings the input channels whose
  //! producer runs in another TaskManager (tdd.locations names where each subtask runs).
  Task(TaskDeploymentDescriptor tdd, network::PartitionRegistry* registry,
       std::shared_ptr<JobMasterGateway> jm, network::DataPlane* data_plane = nullptr,
       TaskServices services = {});
  ~Task() override;
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  void start();
  void cancel();
  void join();

  // ---- checkpoints (any thread; the work runs on the task thread through the mailbox) ----
  //! Source tasks only: snapshot now and emit barrier `b` downstream.
  void trigger_checkpoint(const CheckpointBarrier& b);
  void notify_checkpoint_complete(int64_t id);
  void notify_checkpoint_aborted(int64_t id);
  //! Source tasks only (drain): end the input now, then wait for the final checkpoint or savepoint.
  void stop_source();
  ExecutionAttemptId id() const { return id_; }
  const std::string& name() const { return name_; }
  //! The configuration of the task's job.
  const Configuration& job_config() const { return tdd_.job_graph->config; }
  //! Lets the task's thread run on after this object is abandoned (the cancellation watchdog gave up on
  //! it); the caller must then never destroy the Task.
  void detach() {
    if (thread_.joinable()) thread_.detach();
  }
  //! True once the task's thread has done all it does (also after detach()).
  bool thread_done() const { return thread_done_.load(); }
  //! Nanoseconds this task has waited for output buffers (backpressure), over all its outputs, and
  //! in unaligned-checkpoint mode for output room between records (any thread).
  int64_t output_wait_ns();
  //! The task's counters (any thread). Counts stay readable after the task ended.
  TaskMetrics metrics();

 private:
  void run();
  void build();
  //! The channel from `producer` of edge `e` to this subtask: local, or remote when the producer's
  //! TaskManager is another one.
  std::shared_ptr<network::LocalChannel> input_channel(const graph::JobEdge& e, const std::string& job_key,
                                                       int producer,
                                                       const network::RemoteInputOptions& remote);
  void run_source();
  void run_inputs();
  void finish_chain();
  // CheckpointTarget (task_checkpoint.cc).
  std::shared_ptr<checkpoint::TaskSnapshot> snapshot_and_forward(const CheckpointBarrier& b,
                                                                 bool unaligned) override;
  void write_snapshot(std::shared_ptr<checkpoint::TaskSnapshot> snapshot, const CheckpointBarrier& b,
                      CheckpointAck stats) override;
  void decline_checkpoint(int64_t id, const std::string& reason) override;
  // TaskInputHost: unaligned checkpoints wait for output room between records, where barriers can still
  // be taken, instead of inside an emit that waits for a buffer.
  void between_records() override;
  bool outputs_available() const;
  void run_timers_and_mail();
  void maybe_flush(bool force);
  //! Sleeps until input, mail or a timer is due; the time counts as idle, or as backpressured when the
  //! task waits for output room (`backpressured`).
  void wait_for_work(bool backpressured = false);
  void check_canceled();
  void report(ExecutionState s, const std::string& error = {});

  TaskDeploymentDescriptor tdd_;
  //! What this subtask read to restore (setup only; operators copy what they need from it).
  std::unique_ptr<checkpoint::RestoredCheckpoint> restored_;
  //! Bytes read to restore, from the checkpoint storage and from local copies (written by the task
  //! thread during setup, read by metrics()).
  std::atomic<uint64_t> restored_bytes_{0};
  std::atomic<uint64_t> restored_local_bytes_{0};
  TaskServices services_;
  //! Local recovery (task thread; set in build()): keep local copies of snapshots, restore from them.
  bool local_backup_ = false;
  bool local_recovery_ = false;
  //! Restores this subtask's state (build()); from local copies where local recovery allows.
  void read_restore();
  //! Counts what restoring read (task files and the backends' reads) into the metrics (build()).
  void account_restore();
  network::PartitionRegistry* registry_;
  std::shared_ptr<JobMasterGateway> jm_;
  network::DataPlane* data_plane_;
  ExecutionAttemptId id_;
  std::string name_;
  const graph::JobVertex* vertex_ = nullptr;

  std::atomic<bool> canceled_{false};
  network::TaskWakeup wakeup_;
  runtime::Mailbox mailbox_{&wakeup_};
  std::unique_ptr<runtime::ProcessingTimeService> pts_;
  int clock_listener_ = -1;

  // Declaration order matters for destruction: operators and outputs go before partitions.
  std::vector<std::unique_ptr<network::ResultPartition>> partitions_;
  std::mutex partitions_mu_;  // partitions_ is read by cancel() from other threads
  // Counters of partitions_ once they are released (REQUIRES: partitions_mu_ held).
  int64_t released_records_out_ = 0;
  int64_t released_wait_ns_ = 0;
  std::atomic<ExecutionState> state_{ExecutionState::kDeploying};
  std::vector<std::unique_ptr<runtime::OutputBase>> outputs_;
  std::vector<std::unique_ptr<runtime::StreamOperator>> chain_;  // head first
  // After the chain (the input's dispatchers call its head) and the handler before the input (the input's
  // gates raise the handler's priority flag): each refers to the other.
  BarrierHandler barriers_{input_, *this};
  TaskInput input_{*this, barriers_};

  bool input_finished_ = false;
  // Final checkpoint (checkpointing on): after its input ends a task waits until a checkpoint taken
  // after that point completes, so everything it emitted is covered by a checkpoint before it ends.
  bool final_checkpoint_ = false;
  int64_t finished_at_checkpoint_ = -1;
  bool final_checkpoint_done_ = false;
  bool stop_requested_ = false;  // stop_source(): the source loop ends as if its input had ended
  void await_final_checkpoint();

  // Asynchronous part of snapshots: one writer thread per task, started on first use. Destroyed before
  // the members its jobs use.
  SnapshotWriter writer_;

  std::chrono::milliseconds buffer_timeout_{5};
  std::chrono::steady_clock::time_point last_flush_;
  // Stored by start() before run() begins (the thread waits for it), so whoever learns that the task ended
  // finds it joinable. Stored after, a task that ended at once was reaped with no thread to join: its stack
  // stayed mapped (the TaskManager growth of the soak) or the store hit a destroyed Task (std::terminate).
  std::thread thread_;
  std::atomic<bool> thread_done_{false};
  // Time in blocking waits, measured around the waits (not per record): no input (idle), and no output
  // room outside the buffer pools' request() (unaligned mode; added to the pools' waits). Last, so that
  // they move no field the task's loop reads.
  WaitTimeMeter idle_;
  WaitTimeMeter output_room_wait_;
};

}  // namespace weir::cluster
