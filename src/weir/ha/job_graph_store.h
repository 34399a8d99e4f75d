#pragma once
// The submitted jobs a new leader must run again (Flink's JobGraphStore). A job's spec (the bytes the
// JobManager needs to rebuild it: graph, configuration, artifact keys) is a file in the HA storage
// directory, <storage>/jobs/<job-id>/spec-<uuid>; ZooKeeper holds the pointer, jobs/<job-id>, with the
// file's path. The file is durable before the pointer names it, and the pointer is gone before the file
// is deleted, so a pointer never names a missing file.
//
// Threading: thread-safe (the client is, and the store keeps no state).
#include <optional>
#include <string>
#include <vector>

#include "weir/common/ids.h"
#include "weir/ha/ha_paths.h"
#include "weir/ha/leader_fence.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha {

class JobGraphStore {
 public:
  JobGraphStore(ZooKeeperClient& zk, HaPaths paths) : zk_(zk), paths_(std::move(paths)) {}

  //! Stores (or replaces) the job's spec. Fenced: throws FencingError when `fence` no longer leads, and
  //! then leaves no file behind. fs::FileSystemError when the storage directory fails.
  void put(const JobId& job, const std::string& spec, const LeaderFence& fence);
  //! The spec, or nullopt when the job is not stored. Throws fs::FileSystemError (naming the file) when the
  //! pointer names a file that cannot be read.
  std::optional<std::string> get(const JobId& job);
  //! Every stored job, sorted.
  std::vector<JobId> job_ids();
  //! Removes the pointer (fenced), then the job's files. A job not stored is fine.
  void remove(const JobId& job, const LeaderFence& fence);

 private:
  ZooKeeperClient& zk_;
  HaPaths paths_;
};

}  // namespace weir::ha
