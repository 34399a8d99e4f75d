#include "weir/cluster/rpc/proto_convert.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::cluster::rpc {

void to_proto(const ExecutionAttemptId& id, weir::rpc::TaskAttempt* out) {
  out->set_job_id(id.job.to_string());
  out->set_attempt(id.attempt);
  out->set_vertex(id.vertex);
  out->set_subtask(id.subtask);
}

JobId parse_job_id(const std::string& text) {
  auto id = JobId::parse(text);
  // At most 64 characters of it in the error: a peer's text, of any length.
  if (!id) throw WeirError(fmt::format("malformed job id '{}' (expected 32 hex digits)", text.substr(0, 64)));
  return *id;
}

ExecutionAttemptId from_proto(const weir::rpc::TaskAttempt& p) {
  JobId job = parse_job_id(p.job_id());
  if (p.attempt() < 0 || p.vertex() < 0 || p.subtask() < 0)
    throw WeirError(
        fmt::format("task attempt of job {} has a negative number: attempt {}, vertex {}, subtask {}",
                    job.to_string(), p.attempt(), p.vertex(), p.subtask()));
  return {job, p.attempt(), p.vertex(), p.subtask()};
}

std::vector<ExecutionAttemptId> attempts_from_heartbeat(const weir::rpc::HeartbeatResponse& resp) {
  const int n = resp.attempts_size();
  if (n > kMaxHeartbeatAttempts)
    throw WeirError(
        fmt::format("the heartbeat reports {} task attempts, more than the {} a TaskManager may have", n,
                    kMaxHeartbeatAttempts));
  std::vector<ExecutionAttemptId> out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    try {
      out.push_back(from_proto(resp.attempts(i)));
    } catch (const WeirError& e) {
      throw WeirError(fmt::format("task attempt {} of the heartbeat: {}", i, e.what()));
    }
  }
  return out;
}

ExecutionState parse_execution_state(const std::string& name) {
  for (auto s : {ExecutionState::kCreated, ExecutionState::kScheduled, ExecutionState::kDeploying,
                 ExecutionState::kRunning, ExecutionState::kFinished, ExecutionState::kCanceling,
                 ExecutionState::kCanceled, ExecutionState::kFailed})
    if (name == to_string(s)) return s;
  throw WeirError(fmt::format("unknown task state '{}'", name));
}

void to_proto(const CheckpointAck& ack, weir::rpc::CheckpointAck* out) {
  to_proto(ack.id, out->mutable_task());
  out->set_checkpoint_id(ack.checkpoint_id);
  out->mutable_handle()->set_json(checkpoint::encode_task_handle(ack.handle));
  out->set_sync_ms(ack.sync_ms);
  out->set_async_ms(ack.async_ms);
  out->set_alignment_ms(ack.alignment_ms);
  out->set_unaligned(ack.unaligned);
  out->set_in_flight_bytes(ack.in_flight_bytes);
}

CheckpointAck from_proto(const weir::rpc::CheckpointAck& p) {
  CheckpointAck ack;
  ack.id = from_proto(p.task());
  ack.checkpoint_id = p.checkpoint_id();
  ack.handle = checkpoint::decode_task_handle(p.handle().json(), "a checkpoint acknowledgement");
  ack.sync_ms = p.sync_ms();
  ack.async_ms = p.async_ms();
  ack.alignment_ms = p.alignment_ms();
  ack.unaligned = p.unaligned();
  ack.in_flight_bytes = p.in_flight_bytes();
  return ack;
}

}  // namespace weir::cluster::rpc
