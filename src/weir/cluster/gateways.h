#pragma once
// The narrow interfaces between JobManager and TaskManager parts. In the MiniCluster they are plain
// calls between objects in one process; the distributed cluster puts gRPC services behind the same
// interfaces. Every method is safe to call from any thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/execution_state.h"
#include "weir/cluster/task_deployment_descriptor.h"
#include "weir/common/ids.h"

namespace weir::cluster {

//! Identifies one deployment of one subtask.
struct ExecutionAttemptId {
  JobId job;
  int attempt = 0;
  int vertex = 0;
  int subtask = 0;
  auto operator<=>(const ExecutionAttemptId&) const = default;
};

struct TaskStateUpdate {
  ExecutionAttemptId id;
  ExecutionState state;
  std::string error;  //!< for kFailed
};

//! A task's acknowledgement of a checkpoint: where its state went, and how long the parts took.
struct CheckpointAck {
  ExecutionAttemptId id;
  int64_t checkpoint_id = 0;
  checkpoint::TaskStateHandle handle;
  int64_t sync_ms = 0;
  int64_t async_ms = 0;
  int64_t alignment_ms = 0;
  bool unaligned = false;        //!< the snapshot was taken before all barriers arrived
  uint64_t in_flight_bytes = 0;  //!< in-flight input data persisted with it (unaligned)
};

//! JobManager side, called by TaskManagers.
class JobMasterGateway {
 public:
  virtual ~JobMasterGateway() = default;
  virtual void update_task_execution_state(const TaskStateUpdate& update) = 0;
  virtual void acknowledge_checkpoint(const CheckpointAck& ack) {}
  //! A source task has emitted all its data and waits for a final checkpoint before it ends.
  virtual void notify_end_of_data(const ExecutionAttemptId& id) {}
  //! A task could not take part in a checkpoint (e.g. it has finished); the checkpoint is aborted.
  virtual void decline_checkpoint(const ExecutionAttemptId& id, int64_t checkpoint_id,
                                  const std::string& reason) {}
};

//! What a checkpoint barrier carries.
struct CheckpointBarrier {
  int64_t id = 0;
  int64_t timestamp = 0;
  bool savepoint = false;
  std::string target_dir;  //!< where task states of this checkpoint are written
};

//! One task attempt's counters as the JobMaster sees them (REST's vertex metrics and their history).
struct TaskCounters {
  int64_t records_in = 0;      //!< records read from the task's input gates
  int64_t records_out = 0;     //!< records written to its result partitions
  int64_t output_wait_ns = 0;  //!< time blocked waiting for output buffers (backpressure)
  //! The minimum watermark over the task's inputs; INT64_MIN before the first one (and for sources).
  int64_t input_watermark = INT64_MIN;
  int64_t idle_ns = 0;  //!< time waiting for input or for something to emit (busy = elapsed - idle - waits)
};

//! TaskManager side, called by the JobMaster.
class TaskExecutorGateway {
 public:
  virtual ~TaskExecutorGateway() = default;
  virtual NodeId id() const = 0;
  //! How people see this TaskManager (REST, exception history, logs).
  virtual std::string name() const { return "tm-" + std::to_string(id().value()); }
  //! HOST:PORT of its data plane; empty when its tasks exchange data only in this process.
  virtual std::string data_address() const { return ""; }
  virtual void submit_task(TaskDeploymentDescriptor tdd, std::shared_ptr<JobMasterGateway> job_master) = 0;
  //! Called when a cancel did not reach the TaskManager (an RPC error, or no answer within the RPC's
  //! deadline), with why: on the gateway's own thread, never inside cancel_task (its caller may hold a lock).
  using CancelLost = std::function<void(const std::string& why)>;
  //! Cancels attempt `id` on this TaskManager. `lost`, when set, hears of a cancel that was not delivered
  //! (the JobMaster retries it; Flink's Execution.sendCancelRpcCall); an in-process TaskExecutor never
  //! loses one.
  virtual void cancel_task(const ExecutionAttemptId& id, CancelLost lost = nullptr) = 0;
  virtual int num_slots() const = 0;
  //! Starts checkpoint `b` at a source task (it snapshots and emits the barrier downstream).
  virtual void trigger_checkpoint(const ExecutionAttemptId& id, const CheckpointBarrier& b) {}
  virtual void notify_checkpoint_complete(const ExecutionAttemptId& id, int64_t checkpoint_id) {}
  virtual void notify_checkpoint_aborted(const ExecutionAttemptId& id, int64_t checkpoint_id) {}
  //! Source tasks only (stop-with-savepoint --drain): stop reading, end the input as a bounded source
  //! does (maximum watermark, end of data) and wait for a final checkpoint or savepoint before ending.
  virtual void stop_source(const ExecutionAttemptId& id) {}
  //! Nanoseconds task `id` has waited for output buffers since it started (its backpressure, for
  //! REST); nullopt when the task is not here or the measurement does not reach the JobManager.
  virtual std::optional<int64_t> output_wait_ns(const ExecutionAttemptId& id) const { return std::nullopt; }
  //! The heartbeat payload: every task attempt present here (running, or ended and its final state not yet
  //! delivered to its JobMaster), of every job. A task is removed only after its final state was delivered,
  //! so a JobMaster that finds an attempt it saw RUNNING missing from a later report knows it is gone.
  virtual std::vector<ExecutionAttemptId> task_attempts() const { return {}; }
  //! Task `id`'s counters now; nullopt when the task is not here or they do not reach the JobManager.
  virtual std::optional<TaskCounters> task_counters(const ExecutionAttemptId& id) const {
    return std::nullopt;
  }
};

//! A slot: one TaskManager's share of resources that hosts one subtask of each vertex (slot sharing).
struct SlotOffer {
  NodeId task_manager;
  int slot_index = 0;
};

//! JobManager side, called by TaskManagers (registration) and JobMasters (slot requests).
class ResourceManagerGateway {
 public:
  virtual ~ResourceManagerGateway() = default;
  virtual void register_task_executor(std::shared_ptr<TaskExecutorGateway> te) = 0;
  //! The TaskManager is gone (lost or disconnected): its slots disappear, even those allocated.
  virtual void unregister_task_executor(NodeId id) {}
  //! Can more slots appear later (TaskManagers may register)? Then a job short of slots waits for them
  //! up to slot.request.timeout; otherwise (the MiniCluster) it fails at once.
  virtual bool elastic() const { return false; }
  virtual std::shared_ptr<TaskExecutorGateway> task_executor(NodeId id) const = 0;
  //! Allocates `n` free slots for `job`, spread over TaskManagers; throws WeirError when too few exist.
  virtual std::vector<SlotOffer> allocate_slots(const JobId& job, int n) = 0;
  virtual void release_slots(const JobId& job) = 0;
  virtual int total_slots() const = 0;
  virtual int free_slots() const = 0;
};

}  // namespace weir::cluster
