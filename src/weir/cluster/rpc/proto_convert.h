#pragma once
// Conversions between the cluster's C++ types (gateways.h) and their protobuf messages (cluster.proto).
// Decoding validates: a malformed job id, a negative task attempt, vertex or subtask, or an unknown state
// name is a WeirError naming it.
#include <string>
#include <vector>

#include "weir/cluster/gateways.h"
#include "weir/cluster/rpc/cluster.pb.h"

namespace weir::cluster::rpc {

void to_proto(const ExecutionAttemptId& id, weir::rpc::TaskAttempt* out);
//! A malformed job id or a negative attempt, vertex or subtask is a WeirError naming it (whether an index is
//! within the job's graph is for the receiver to check: the JobMaster, TaskHost::submit).
ExecutionAttemptId from_proto(const weir::rpc::TaskAttempt& p);
JobId parse_job_id(const std::string& text);

ExecutionState parse_execution_state(const std::string& name);

//! The most task attempts a TaskManager's heartbeat may report: far beyond what its slots run, so that a
//! report longer than this is a broken or hostile peer, not a busy one.
inline constexpr int kMaxHeartbeatAttempts = 100'000;
//! A TaskManager's heartbeat report (HeartbeatResponse.attempts), validated as a whole: more than
//! kMaxHeartbeatAttempts entries, a malformed job id, or a negative attempt, vertex or subtask is a
//! WeirError naming the entry (the caller refuses the whole report rather than act on part of it).
std::vector<ExecutionAttemptId> attempts_from_heartbeat(const weir::rpc::HeartbeatResponse& resp);

void to_proto(const CheckpointAck& ack, weir::rpc::CheckpointAck* out);
CheckpointAck from_proto(const weir::rpc::CheckpointAck& p);

}  // namespace weir::cluster::rpc
