#pragma once
// Pointers to a job's retained completed checkpoints (Flink's CompletedCheckpointStore): the znode
// checkpoints/<job-id>/<checkpoint-id, 19 digits> holds the path of the checkpoint's _metadata file
// (written by the CheckpointCoordinator into the checkpoint directory, not here). A new leader restores
// from the latest pointer whose metadata it can read, and falls back to older ones.
//
// Every add and remove is a multi-op that first checks the leader's latch node (fencing): a deposed leader
// can neither complete nor subsume a checkpoint. The store deletes pointers only; discarding a subsumed
// checkpoint's files stays the caller's job, after the pointer is gone.
//
// Threading: thread-safe.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/common/ids.h"
#include "weir/ha/ha_paths.h"
#include "weir/ha/leader_fence.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha {

//! The checkpoint id a pointer node's name holds (19 zero-padded digits, HaPaths::checkpoint); none for a
//! name of another form or beyond INT64_MAX, which list() skips.
std::optional<int64_t> checkpoint_id_of_node(std::string_view name);

struct CheckpointPointer {
  int64_t checkpoint_id = 0;
  std::string metadata_path;  //!< e.g. <checkpoint-dir>/<job-id>/chk-<n>/_metadata
  bool operator==(const CheckpointPointer&) const = default;
};

class CompletedCheckpointStore {
 public:
  CompletedCheckpointStore(ZooKeeperClient& zk, HaPaths paths) : zk_(zk), paths_(std::move(paths)) {}

  //! Adds checkpoint `checkpoint_id` and, in the same multi-op, removes the pointers of `subsumed` ones.
  //! Throws FencingError when `fence` no longer leads (nothing changes), ZooKeeperError(node_exists()) when
  //! the id is taken.
  void add(const JobId& job, const CheckpointPointer& checkpoint, const LeaderFence& fence,
           const std::vector<int64_t>& subsumed = {});
  //! Removes one pointer (fenced); a missing one is fine.
  void remove(const JobId& job, int64_t checkpoint_id, const LeaderFence& fence);
  //! The retained checkpoints, oldest first.
  std::vector<CheckpointPointer> list(const JobId& job);
  std::optional<CheckpointPointer> latest(const JobId& job);
  //! The newest checkpoint that `load` accepts (it throws, e.g. fs::FileSystemError, for a checkpoint whose
  //! files are missing or corrupt); older ones are tried in turn. Each refusal is appended to `skipped`
  //! ("checkpoint <id> (<metadata path>): <reason>") for the caller to log. nullopt when none loads.
  std::optional<CheckpointPointer> latest_restorable(
      const JobId& job, const std::function<void(const CheckpointPointer&)>& load,
      std::vector<std::string>* skipped = nullptr);
  //! Removes every pointer of the job and its node (fenced, one multi-op).
  void remove_all(const JobId& job, const LeaderFence& fence);

 private:
  ZooKeeperClient& zk_;
  HaPaths paths_;
};

}  // namespace weir::ha
