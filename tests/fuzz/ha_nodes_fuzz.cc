// What a JobManager reads back from ZooKeeper (the HA stores' nodes): the checkpoint id counter's text,
// a completed checkpoint pointer's node name and its path, a job result's JSON, the leader's address
// JSON and a job graph pointer's path. Another writer (or a corrupt ensemble) may have put anything
// there: each decoder refuses it with a ZooKeeperError (a WeirError) naming the node.
#include <string>

#include "fuzz_target.h"
#include "weir/fs/path.h"
#include "weir/ha/checkpoint_id_counter.h"
#include "weir/ha/completed_checkpoint_store.h"
#include "weir/ha/job_result_store.h"
#include "weir/ha/leader_retrieval.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir;
  const std::string text(fuzz::as_view(data, size));
  const std::string node = "/weir/default/fuzz";
  fuzz::refuse_or_accept([&] { ha::parse_checkpoint_counter(text, node); });
  static_cast<void>(ha::checkpoint_id_of_node(text));
  static const JobId job = JobId::generate();
  fuzz::refuse_or_accept([&] { ha::decode_job_result(job, text, node); });
  fuzz::refuse_or_accept([&] { ha::LeaderInfo::from_json(text, node); });
  fuzz::refuse_or_accept([&] { fs::Path::parse(text); });
  return 0;
}
