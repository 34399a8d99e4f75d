#pragma once
// Fencing of a leader's writes to ZooKeeper: every mutating operation of the HA stores runs as a multi-op
// whose first operation checks that the leader's own latch node still exists. The latch node is ephemeral
// and unique to one session and one join of the election, so once the leader's session expires (or it
// leaves the election) the check fails and nothing is written, whatever the deposed process believes.
#include <string>
#include <vector>

#include "weir/ha/zookeeper_client.h"

namespace weir::ha {

//! The latch node of the leader on whose behalf a write is made (LeaderLatch::fence()).
struct LeaderFence {
  std::string latch_node;
};

//! Runs `ops` after a check of `fence.latch_node`. Returns the created paths (indexed like `ops`). Throws
//! FencingError (naming `what` and the latch node) when the check fails, MultiOpError for the others
//! (its failed_index() counts the check as operation 0).
std::vector<std::string> fenced_multi(ZooKeeperClient& zk, const LeaderFence& fence,
                                      const std::vector<ZooKeeperOp>& ops, const std::string& what);

}  // namespace weir::ha
