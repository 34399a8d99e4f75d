#include "weir/cluster/rpc/remote_task_executor.h"

#include <chrono>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "weir/cluster/rpc/cluster.grpc.pb.h"
#include "weir/cluster/rpc/proto_convert.h"
#include "weir/cluster/rpc/rpc_log.h"
#include "weir/common/error.h"
#include "weir/common/failure_points.h"

namespace weir::cluster::rpc {

namespace {
constexpr auto kDeadline = std::chrono::seconds(10);
}

class RemoteTaskExecutor::Stub {
 public:
  explicit Stub(const std::string& address)
      : stub(weir::rpc::TaskManagerService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}
  std::unique_ptr<weir::rpc::TaskManagerService::Stub> stub;
};

RemoteTaskExecutor::RemoteTaskExecutor(NodeId node, std::string task_manager_id, std::string rpc_address,
                                       std::string data_address, int slots, std::string job_manager_id,
                                       std::function<void()> on_unreachable)
    : node_(node),
      task_manager_id_(std::move(task_manager_id)),
      rpc_address_(std::move(rpc_address)),
      data_address_(std::move(data_address)),
      slots_(slots),
      job_manager_id_(std::move(job_manager_id)),
      on_unreachable_(std::move(on_unreachable)),
      stub_(std::make_unique<Stub>(rpc_address_)) {}

RemoteTaskExecutor::~RemoteTaskExecutor() = default;

namespace {

// Sends one RPC with the deadline; returns the error text, empty on success.
template <typename Call>
std::string call_with_deadline(Call&& call) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
  grpc::Status st = call(&ctx);
  return st.ok() ? std::string()
                 : fmt::format("{} (gRPC code {})", st.error_message(), static_cast<int>(st.error_code()));
}

}  // namespace

void RemoteTaskExecutor::submit_task(TaskDeploymentDescriptor tdd,
                                     std::shared_ptr<JobMasterGateway> job_master) {
  auto req = std::make_shared<weir::rpc::SubmitTaskRequest>();
  ExecutionAttemptId id{tdd.job, tdd.attempt, tdd.vertex, tdd.subtask};
  to_proto(id, req->mutable_task());
  req->set_job_name(tdd.job_graph->name);
  if (!req->mutable_spec()->ParseFromString(tdd.job_graph->artifact)) {
    // Reported from the calls' thread, as an RPC failure is: the caller holds the JobMaster's lock.
    calls_.submit([id, job_master] {
      job_master->update_task_execution_state(
          {id, ExecutionState::kFailed, "the job has no artifact a TaskManager could rebuild it from"});
    });
    return;
  }
  if (tdd.restore) {
    req->set_restore_path(tdd.restore->path);
    req->set_restore_handles(checkpoint::encode_metadata(tdd.restore->metadata));
  }
  for (const auto& v : tdd.locations) {
    auto* l = req->add_locations();
    for (const auto& a : v) l->add_data_address(a);
  }
  req->set_job_manager_id(job_manager_id_);
  calls_.submit([this, req, id, job_master] {
    weir::rpc::SubmitTaskResponse resp;
    grpc::Status status;
    std::string err = call_with_deadline([&](grpc::ClientContext* ctx) {
      status = stub_->stub->SubmitTask(ctx, *req, &resp);
      return status;
    });
    if (err.empty() && !resp.accepted()) err = resp.reason();
    bool unreachable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                       status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (!err.empty())
      job_master->update_task_execution_state(
          {id, ExecutionState::kFailed,
           fmt::format("could not deploy to TaskManager {} at {}: {}", task_manager_id_, rpc_address_, err)});
    if (unreachable && on_unreachable_) on_unreachable_();
  });
}

namespace {

template <typename Send>
void send_logged(SerialExecutor& calls, std::string what, std::string tm, Send send) {
  calls.submit([what = std::move(what), tm = std::move(tm), send = std::move(send)] {
    std::string err = call_with_deadline(send);
    if (!err.empty()) log_line("jobmanager", fmt::format("{} to TaskManager {} failed: {}", what, tm, err));
  });
}

}  // namespace

void RemoteTaskExecutor::cancel_task(const ExecutionAttemptId& id, CancelLost lost) {
  weir::rpc::TaskRequest req;
  to_proto(id, req.mutable_task());
  req.set_job_manager_id(job_manager_id_);
  calls_.submit([this, req, lost = std::move(lost)] {
    std::string err;
    try {
      WEIR_FAILURE_POINT("rpc.cancel-task");  // a test drops the request: as if it were lost on the way
      err = call_with_deadline([&](grpc::ClientContext* ctx) {
        weir::rpc::Empty resp;
        return stub_->stub->CancelTask(ctx, req, &resp);
      });
    } catch (const InjectedFailure& e) {
      err = e.what();
    }
    if (err.empty()) return;
    log_line("jobmanager", fmt::format("cancel to TaskManager {} failed: {}", task_manager_id_, err));
    if (lost)
      lost(fmt::format("cancel to TaskManager {} at {} failed: {}", task_manager_id_, rpc_address_, err));
  });
}

void RemoteTaskExecutor::trigger_checkpoint(const ExecutionAttemptId& id, const CheckpointBarrier& b) {
  weir::rpc::TriggerCheckpointRequest req;
  to_proto(id, req.mutable_task());
  req.set_checkpoint_id(b.id);
  req.set_timestamp(b.timestamp);
  req.set_savepoint(b.savepoint);
  req.set_target_dir(b.target_dir);
  req.set_job_manager_id(job_manager_id_);
  send_logged(calls_, "checkpoint trigger", task_manager_id_, [this, req](grpc::ClientContext* ctx) {
    weir::rpc::Empty resp;
    return stub_->stub->TriggerCheckpoint(ctx, req, &resp);
  });
}

void RemoteTaskExecutor::notify_checkpoint_complete(const ExecutionAttemptId& id, int64_t checkpoint_id) {
  weir::rpc::NotifyCheckpointRequest req;
  to_proto(id, req.mutable_task());
  req.set_checkpoint_id(checkpoint_id);
  req.set_completed(true);
  req.set_job_manager_id(job_manager_id_);
  send_logged(calls_, "checkpoint notification", task_manager_id_, [this, req](grpc::ClientContext* ctx) {
    weir::rpc::Empty resp;
    return stub_->stub->NotifyCheckpoint(ctx, req, &resp);
  });
}

void RemoteTaskExecutor::notify_checkpoint_aborted(const ExecutionAttemptId& id, int64_t checkpoint_id) {
  weir::rpc::NotifyCheckpointRequest req;
  to_proto(id, req.mutable_task());
  req.set_checkpoint_id(checkpoint_id);
  req.set_completed(false);
  req.set_job_manager_id(job_manager_id_);
  send_logged(calls_, "checkpoint abort", task_manager_id_, [this, req](grpc::ClientContext* ctx) {
    weir::rpc::Empty resp;
    return stub_->stub->NotifyCheckpoint(ctx, req, &resp);
  });
}

void RemoteTaskExecutor::stop_source(const ExecutionAttemptId& id) {
  weir::rpc::TaskRequest req;
  to_proto(id, req.mutable_task());
  req.set_job_manager_id(job_manager_id_);
  send_logged(calls_, "stop source", task_manager_id_, [this, req](grpc::ClientContext* ctx) {
    weir::rpc::Empty resp;
    return stub_->stub->StopSource(ctx, req, &resp);
  });
}

bool RemoteTaskExecutor::reachable(std::chrono::milliseconds deadline) const {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  weir::rpc::HeartbeatRequest req;
  req.set_sender_id(job_manager_id_);
  weir::rpc::HeartbeatResponse resp;
  return stub_->stub->Heartbeat(&ctx, req, &resp).ok();
}

std::optional<int64_t> RemoteTaskExecutor::output_wait_ns(const ExecutionAttemptId& id) const {
  weir::rpc::TaskRequest req;
  to_proto(id, req.mutable_task());
  weir::rpc::OutputWaitResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  if (!stub_->stub->OutputWait(&ctx, req, &resp).ok() || !resp.known()) return std::nullopt;
  return resp.wait_ns();
}

std::optional<TaskCounters> RemoteTaskExecutor::task_counters(const ExecutionAttemptId& id) const {
  weir::rpc::TaskRequest req;
  to_proto(id, req.mutable_task());
  weir::rpc::OutputWaitResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  if (!stub_->stub->OutputWait(&ctx, req, &resp).ok() || !resp.known()) return std::nullopt;
  return TaskCounters{resp.records_in(), resp.records_out(), resp.wait_ns(), resp.input_watermark(),
                      resp.idle_ns()};
}

weir::rpc::TaskManagerDetailsResponse RemoteTaskExecutor::details() const {
  weir::rpc::TaskManagerDetailsRequest req;
  weir::rpc::TaskManagerDetailsResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (auto s = stub_->stub->Details(&ctx, req, &resp); !s.ok())
    throw WeirError(fmt::format("TaskManager {} at {} did not answer: {}", task_manager_id_, rpc_address_,
                                s.error_message()));
  return resp;
}

weir::rpc::ReadLogResponse RemoteTaskExecutor::read_log(const std::string& name, int64_t max_bytes) const {
  weir::rpc::ReadLogRequest req;
  req.set_name(name);
  req.set_max_bytes(max_bytes);
  weir::rpc::ReadLogResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (auto s = stub_->stub->ReadLog(&ctx, req, &resp); !s.ok())
    throw WeirError(fmt::format("TaskManager {} at {} did not answer: {}", task_manager_id_, rpc_address_,
                                s.error_message()));
  return resp;
}

void RemoteTaskExecutor::release_job(const JobId& job) {
  weir::rpc::ReleaseJobRequest req;
  req.set_job_id(job.to_string());
  req.set_job_manager_id(job_manager_id_);
  send_logged(calls_, "release job", task_manager_id_, [this, req](grpc::ClientContext* ctx) {
    // A test drops the request (a lost ReleaseJob): the TaskManager's heartbeats must release the job.
    try {
      WEIR_FAILURE_POINT("rpc.release-job");
    } catch (const InjectedFailure& e) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, e.what());
    }
    weir::rpc::Empty resp;
    return stub_->stub->ReleaseJob(ctx, req, &resp);
  });
}

}  // namespace weir::cluster::rpc
