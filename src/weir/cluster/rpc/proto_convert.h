#pragma once
// Conversions between the cluster's C++ types (gateways.h) and their protobuf messages (cluster.proto).
// Decoding validates: a malformed job id or an unknown state name is a WeirError naming it.
#include <string>

#include "weir/cluster/gateways.h"
#include "weir/cluster/rpc/cluster.pb.h"

namespace weir::cluster::rpc {

void to_proto(const ExecutionAttemptId& id, weir::rpc::TaskAttempt* out);
ExecutionAttemptId from_proto(const weir::rpc::TaskAttempt& p);
JobId parse_job_id(const std::string& text);

ExecutionState parse_execution_state(const std::string& name);

void to_proto(const CheckpointAck& ack, weir::rpc::CheckpointAck* out);
CheckpointAck from_proto(const weir::rpc::CheckpointAck& p);

}  // namespace weir::cluster::rpc
