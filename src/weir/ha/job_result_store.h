#pragma once
// The results of ended jobs (Flink's JobResultStore), so that a new leader neither re-runs a finished job
// nor resumes a cancelled one: job-results/<job-id> holds {"state", "error", "clean"} as JSON. A result is
// put (fenced) before the job's other HA data is cleaned up, and marked clean afterwards; a new leader
// finishes the cleanup of results that are not clean yet.
//
// Threading: thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "weir/common/ids.h"
#include "weir/ha/ha_paths.h"
#include "weir/ha/leader_fence.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha {

enum class JobTerminalState { kFinished, kCanceled, kFailed };

//! "FINISHED", "CANCELED", "FAILED" (Flink's JobStatus names).
std::string_view to_string(JobTerminalState s);

struct JobResult {
  JobId job;
  JobTerminalState state = JobTerminalState::kFinished;
  std::string error;   //!< the failure's message for kFailed
  bool clean = false;  //!< the job's other HA data (spec, counter, checkpoints) is gone
  bool operator==(const JobResult&) const = default;
};

//! A job-results node's JSON; anything else (not JSON, a field missing or of another type, an unknown
//! state) is refused with a ZooKeeperError naming `node`.
JobResult decode_job_result(const JobId& job, const std::string& bytes, const std::string& node);

class JobResultStore {
 public:
  JobResultStore(ZooKeeperClient& zk, HaPaths paths) : zk_(zk), paths_(std::move(paths)) {}

  //! Records an ended job's result (not clean). Fenced. Throws ZooKeeperError(node_exists()) when the job
  //! has a result already.
  void put(const JobResult& result, const LeaderFence& fence);
  //! Marks the result clean (its cleanup is done). Fenced.
  void mark_clean(const JobId& job, const LeaderFence& fence);
  std::optional<JobResult> get(const JobId& job);
  bool has_result(const JobId& job) { return get(job).has_value(); }
  //! Every stored result, by job id.
  std::vector<JobResult> list();
  //! Forgets a result (fenced); a missing one is fine. After this the job id could run again.
  void remove(const JobId& job, const LeaderFence& fence);

 private:
  ZooKeeperClient& zk_;
  HaPaths paths_;
};

}  // namespace weir::ha
