// What a peer of the JobManager's or a TaskManager's RPC port sends, after protobuf parsed it: the fields
// Weir reads from a task attempt (job id, attempt, vertex, subtask), a TaskManager's heartbeat report, a
// checkpoint acknowledgement with its state handle, and a task deployment's restore handles (an encoded
// _metadata). Protobuf's parser is its own; these are Weir's conversions, which must refuse what is malformed
// with a WeirError naming it.
#include <string>

#include "fuzz_target.h"
#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/rpc/cluster.pb.h"
#include "weir/cluster/rpc/proto_convert.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir;
  const int n = static_cast<int>(size);
  weir::rpc::TaskAttempt attempt;
  if (attempt.ParseFromArray(data, n)) fuzz::refuse_or_accept([&] { cluster::rpc::from_proto(attempt); });
  weir::rpc::HeartbeatResponse heartbeat;
  if (heartbeat.ParseFromArray(data, n))
    fuzz::refuse_or_accept([&] { cluster::rpc::attempts_from_heartbeat(heartbeat); });
  weir::rpc::CheckpointAck ack;
  if (ack.ParseFromArray(data, n)) fuzz::refuse_or_accept([&] { cluster::rpc::from_proto(ack); });
  weir::rpc::SubmitTaskRequest submit;
  if (submit.ParseFromArray(data, n)) {
    fuzz::refuse_or_accept([&] { cluster::rpc::from_proto(submit.task()); });
    fuzz::refuse_or_accept([&] {
      checkpoint::decode_metadata(submit.restore_handles(), "the state handles of a task deployment");
    });
  }
  return 0;
}
