#pragma once
// A TaskManager's handle on the JobManager for its tasks: a JobMasterGateway whose calls (task state
// updates, checkpoint acks and declines, end of data) become JobManagerService RPCs. Tasks call it
// from their own threads; a SerialExecutor sends the messages in order, so a task's RUNNING never
// arrives after its FINISHED. A state update that cannot be delivered is retried for up to
// heartbeat.timeout (a lost FINISHED would leave the job waiting); other messages are logged when lost.
// A task's final state is "undelivered" from the call until the JobManager answered it (or it was given
// up): the TaskManager's heartbeat reports those attempts as present, so the JobManager never holds a task
// missing whose final state is still on its way (cluster/README.md, "Heartbeat reconciliation").
//
// Threading: gateway methods from any thread; RPCs on the executor's thread; undelivered() any thread.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "weir/cluster/gateways.h"
#include "weir/cluster/rpc/cluster.pb.h"
#include "weir/common/serial_executor.h"

namespace weir::cluster::rpc {

class RemoteJobMaster final : public JobMasterGateway {
 public:
  RemoteJobMaster(std::string job_manager_address, std::chrono::milliseconds retry_for);
  ~RemoteJobMaster() override;

  void update_task_execution_state(const TaskStateUpdate& update) override;
  //! Attempts whose final state (FINISHED, CANCELED, FAILED) is queued or being sent. Thread-safe.
  std::vector<ExecutionAttemptId> undelivered() const;
  //! This TaskManager left that JobManager (a new leader, or it forgot us): queued and later reports are
  //! dropped instead of retried, so the old JobManager's silence delays nothing. Thread-safe.
  void abandon() { abandoned_->store(true); }
  void acknowledge_checkpoint(const CheckpointAck& ack) override;
  void notify_end_of_data(const ExecutionAttemptId& id) override;
  void decline_checkpoint(const ExecutionAttemptId& id, int64_t checkpoint_id,
                          const std::string& reason) override;

 private:
  class Stub;
  //! Sends one state update, retrying for up to retry_for_ (on calls_).
  void send_state(const weir::rpc::TaskStateUpdate& req);
  std::string address_;
  std::chrono::milliseconds retry_for_;
  std::unique_ptr<Stub> stub_;
  std::shared_ptr<std::atomic<bool>> abandoned_ = std::make_shared<std::atomic<bool>>(false);
  mutable std::mutex mu_;
  std::multiset<ExecutionAttemptId> undelivered_;  // REQUIRES: mu_ held
  SerialExecutor calls_;  // last: destroyed first, so no queued call outlives the stub
};

}  // namespace weir::cluster::rpc
