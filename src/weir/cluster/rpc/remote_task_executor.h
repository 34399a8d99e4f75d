#pragma once
// The JobManager's handle on one TaskManager process: a TaskExecutorGateway whose calls become
// TaskManagerService RPCs. JobMasters call it under their lock, so every call only queues the RPC; a
// SerialExecutor sends them in order (a deployment before the checkpoint trigger that follows it), each
// with a deadline. A deployment the TaskManager refuses or never receives is reported to the JobMaster
// as the task's failure, naming the TaskManager; other lost messages are logged (heartbeats decide
// whether the TaskManager is gone).
//
// Threading: gateway methods from any thread; RPCs on the executor's thread.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "weir/cluster/gateways.h"
#include "weir/cluster/rpc/cluster.pb.h"
#include "weir/common/serial_executor.h"

namespace weir::rpc {
class TaskManagerService;
}

namespace weir::cluster::rpc {

class RemoteTaskExecutor final : public TaskExecutorGateway {
 public:
  //! `on_unreachable` runs (on the executor's thread) when a deployment cannot reach the TaskManager.
  RemoteTaskExecutor(NodeId node, std::string task_manager_id, std::string rpc_address,
                     std::string data_address, int slots, std::string job_manager_id,
                     std::function<void()> on_unreachable = nullptr);
  ~RemoteTaskExecutor() override;

  NodeId id() const override { return node_; }
  std::string name() const override { return task_manager_id_; }
  std::string data_address() const override { return data_address_; }
  int num_slots() const override { return slots_; }
  void submit_task(TaskDeploymentDescriptor tdd, std::shared_ptr<JobMasterGateway> job_master) override;
  //! A cancel that fails (an RPC error, no answer within the deadline, or the failure point
  //! `rpc.cancel-task`, which drops the request) is reported to `lost`.
  void cancel_task(const ExecutionAttemptId& id, CancelLost lost = nullptr) override;
  void trigger_checkpoint(const ExecutionAttemptId& id, const CheckpointBarrier& b) override;
  void notify_checkpoint_complete(const ExecutionAttemptId& id, int64_t checkpoint_id) override;
  void notify_checkpoint_aborted(const ExecutionAttemptId& id, int64_t checkpoint_id) override;
  void stop_source(const ExecutionAttemptId& id) override;
  //! Drops the job's channels and cached graph on the TaskManager (the job ended).
  void release_job(const JobId& job);
  //! Does the TaskManager answer a heartbeat within `deadline`? Blocking; any thread.
  bool reachable(std::chrono::milliseconds deadline) const;
  //! Asks the TaskManager (blocking, 1 s deadline); nullopt when it does not answer or has no such task.
  std::optional<int64_t> output_wait_ns(const ExecutionAttemptId& id) const override;
  //! The same call (OutputWait answers every counter): blocking, 1 s deadline.
  std::optional<TaskCounters> task_counters(const ExecutionAttemptId& id) const override;
  //! The TaskManager's own view (memory, its tasks' counters, its log files): blocking, 2 s deadline;
  //! throws WeirError naming the TaskManager when it does not answer.
  weir::rpc::TaskManagerDetailsResponse details() const;
  //! The last `max_bytes` of its log file `name`: blocking, 5 s deadline; throws WeirError as details().
  weir::rpc::ReadLogResponse read_log(const std::string& name, int64_t max_bytes) const;

 private:
  class Stub;
  NodeId node_;
  std::string task_manager_id_;
  std::string rpc_address_;
  std::string data_address_;
  int slots_;
  std::string job_manager_id_;
  std::function<void()> on_unreachable_;
  std::unique_ptr<Stub> stub_;
  SerialExecutor calls_;  // last: destroyed first, so no queued call outlives the stub
};

}  // namespace weir::cluster::rpc
