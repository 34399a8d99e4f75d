#pragma once
// A TaskManager's handle on the JobManager for its tasks: a JobMasterGateway whose calls (task state
// updates, checkpoint acks and declines, end of data) become JobManagerService RPCs. Tasks call it
// from their own threads; a SerialExecutor sends the messages in order, so a task's RUNNING never
// arrives after its FINISHED. A state update that cannot be delivered is retried for up to
// heartbeat.timeout (a lost FINISHED would leave the job waiting); other messages are logged when lost.
//
// Threading: gateway methods from any thread; RPCs on the executor's thread.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "weir/cluster/gateways.h"
#include "weir/common/serial_executor.h"

namespace weir::cluster::rpc {

class RemoteJobMaster final : public JobMasterGateway {
 public:
  RemoteJobMaster(std::string job_manager_address, std::chrono::milliseconds retry_for);
  ~RemoteJobMaster() override;

  void update_task_execution_state(const TaskStateUpdate& update) override;
  //! This TaskManager left that JobManager (a new leader, or it forgot us): queued and later reports are
  //! dropped instead of retried, so the old JobManager's silence delays nothing. Thread-safe.
  void abandon() { abandoned_->store(true); }
  void acknowledge_checkpoint(const CheckpointAck& ack) override;
  void notify_end_of_data(const ExecutionAttemptId& id) override;
  void decline_checkpoint(const ExecutionAttemptId& id, int64_t checkpoint_id,
                          const std::string& reason) override;

 private:
  class Stub;
  std::string address_;
  std::chrono::milliseconds retry_for_;
  std::unique_ptr<Stub> stub_;
  std::shared_ptr<std::atomic<bool>> abandoned_ = std::make_shared<std::atomic<bool>>(false);
  SerialExecutor calls_;  // last: destroyed first, so no queued call outlives the stub
};

}  // namespace weir::cluster::rpc
