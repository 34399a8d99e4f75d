#include "weir/cluster/rpc/remote_job_master.h"

#include <thread>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "weir/cluster/rpc/cluster.grpc.pb.h"
#include "weir/cluster/rpc/proto_convert.h"
#include "weir/cluster/rpc/rpc_log.h"
#include "weir/common/failure_points.h"

namespace weir::cluster::rpc {

namespace {
constexpr auto kDeadline = std::chrono::seconds(5);
constexpr const char* kRole = "taskmanager";
}  // namespace

class RemoteJobMaster::Stub {
 public:
  explicit Stub(const std::string& address)
      : stub(weir::rpc::JobManagerService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}
  std::unique_ptr<weir::rpc::JobManagerService::Stub> stub;
};

RemoteJobMaster::RemoteJobMaster(std::string job_manager_address, std::chrono::milliseconds retry_for)
    : address_(std::move(job_manager_address)),
      retry_for_(retry_for),
      stub_(std::make_unique<Stub>(address_)) {}

RemoteJobMaster::~RemoteJobMaster() = default;

void RemoteJobMaster::update_task_execution_state(const TaskStateUpdate& u) {
  weir::rpc::TaskStateUpdate req;
  to_proto(u.id, req.mutable_task());
  req.set_state(to_string(u.state));
  req.set_error(u.error);
  const bool final_state = is_terminal(u.state);
  if (u.state == ExecutionState::kFailed) {
    try {
      // A lost report, for tests: the JobManager learns of the failure only from a heartbeat.
      WEIR_FAILURE_POINT("rpc.task-failure-report");
    } catch (const InjectedFailure& e) {
      log_line(kRole, fmt::format("dropped the report that task {}/{} of job {} FAILED ({})", u.id.vertex,
                                  u.id.subtask, u.id.job.to_string(), e.what()));
      return;
    }
  }
  if (final_state) {
    std::lock_guard lock(mu_);
    undelivered_.insert(u.id);
  }
  calls_.submit([this, req, id = u.id, final_state] {
    send_state(req);
    if (!final_state) return;
    std::lock_guard lock(mu_);
    undelivered_.erase(undelivered_.find(id));
  });
}

std::vector<ExecutionAttemptId> RemoteJobMaster::undelivered() const {
  std::lock_guard lock(mu_);
  return {undelivered_.begin(), undelivered_.end()};
}

void RemoteJobMaster::send_state(const weir::rpc::TaskStateUpdate& req) {
  auto until = std::chrono::steady_clock::now() + retry_for_;
  for (;;) {
    if (abandoned_->load()) return;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
    weir::rpc::Empty resp;
    grpc::Status st = stub_->stub->UpdateTaskState(&ctx, req, &resp);
    if (st.ok()) return;
    if (std::chrono::steady_clock::now() >= until) {
      log_line(kRole, fmt::format("could not tell the JobManager at {} that task {}/{} of job {} is {}: {}",
                                  address_, req.task().vertex(), req.task().subtask(), req.task().job_id(),
                                  req.state(), st.error_message()));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a retry pause, not a wait for a condition
  }
}

namespace {

template <typename Send>
void send_logged(SerialExecutor& calls, const std::shared_ptr<std::atomic<bool>>& abandoned,
                 const std::string& address, std::string what, Send send) {
  calls.submit([abandoned, address, what = std::move(what), send = std::move(send)] {
    if (abandoned->load()) return;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
    grpc::Status st = send(&ctx);
    if (!st.ok())
      log_line(kRole,
               fmt::format("{} to the JobManager at {} failed: {}", what, address, st.error_message()));
  });
}

}  // namespace

void RemoteJobMaster::acknowledge_checkpoint(const CheckpointAck& ack) {
  weir::rpc::CheckpointAck req;
  to_proto(ack, &req);
  send_logged(calls_, abandoned_, address_, fmt::format("checkpoint {} ack", ack.checkpoint_id),
              [this, req](grpc::ClientContext* ctx) {
                weir::rpc::Empty resp;
                return stub_->stub->AcknowledgeCheckpoint(ctx, req, &resp);
              });
}

void RemoteJobMaster::notify_end_of_data(const ExecutionAttemptId& id) {
  weir::rpc::TaskRequest req;
  to_proto(id, req.mutable_task());
  send_logged(calls_, abandoned_, address_, "end of data", [this, req](grpc::ClientContext* ctx) {
    weir::rpc::Empty resp;
    return stub_->stub->NotifyEndOfData(ctx, req, &resp);
  });
}

void RemoteJobMaster::decline_checkpoint(const ExecutionAttemptId& id, int64_t checkpoint_id,
                                         const std::string& reason) {
  weir::rpc::DeclineCheckpointRequest req;
  to_proto(id, req.mutable_task());
  req.set_checkpoint_id(checkpoint_id);
  req.set_reason(reason);
  send_logged(calls_, abandoned_, address_, fmt::format("checkpoint {} decline", checkpoint_id),
              [this, req](grpc::ClientContext* ctx) {
                weir::rpc::Empty resp;
                return stub_->stub->DeclineCheckpoint(ctx, req, &resp);
              });
}

}  // namespace weir::cluster::rpc
