#pragma once
// A job's checkpoint id counter in ZooKeeper (Flink's CheckpointIDCounter), so that ids keep growing
// across leaders: checkpoint-counter/<job-id> holds the next id as decimal text, advanced by a versioned
// set (compare-and-swap) fenced by the leader's latch node.
//
// Threading: thread-safe.
#include <cstdint>
#include <string>

#include "weir/common/ids.h"
#include "weir/ha/ha_paths.h"
#include "weir/ha/leader_fence.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha {

//! The counter node's text as a checkpoint id; anything but a non-negative decimal integer (as Weir
//! writes it) is refused with a ZooKeeperError naming `node`.
int64_t parse_checkpoint_counter(const std::string& text, const std::string& node);

class CheckpointIdCounter {
 public:
  static constexpr int64_t kInitialId = 1;
  CheckpointIdCounter(ZooKeeperClient& zk, HaPaths paths) : zk_(zk), paths_(std::move(paths)) {}

  //! The next id, and advances it. Fenced.
  int64_t get_and_increment(const JobId& job, const LeaderFence& fence);
  //! The next id without advancing it (kInitialId for a job without a counter).
  int64_t get(const JobId& job);
  //! Sets the next id (a job restored from a savepoint continues after its id). Fenced.
  void set(const JobId& job, int64_t next_id, const LeaderFence& fence);
  //! Removes the counter (fenced); a missing one is fine.
  void remove(const JobId& job, const LeaderFence& fence);

 private:
  // The counter's value and version, created with kInitialId when missing.
  std::pair<int64_t, int32_t> read_or_create(const JobId& job, const LeaderFence& fence);

  ZooKeeperClient& zk_;
  HaPaths paths_;
};

}  // namespace weir::ha
