#include "weir/ha/leader_fence.h"

namespace weir::ha {

std::vector<std::string> fenced_multi(ZooKeeperClient& zk, const LeaderFence& fence,
                                      const std::vector<ZooKeeperOp>& ops, const std::string& what) {
  if (fence.latch_node.empty())
    throw FencingError(0, what, ops.empty() ? "" : ops.front().path, "(none: not the leader)");
  std::vector<ZooKeeperOp> all;
  all.reserve(ops.size() + 1);
  all.push_back(ZooKeeperOp::check(fence.latch_node));
  all.insert(all.end(), ops.begin(), ops.end());
  try {
    auto created = zk.multi(all);
    created.erase(created.begin());
    return created;
  } catch (const MultiOpError& e) {
    if (e.failed_index() == 0)
      throw FencingError(e.code(), what, ops.empty() ? "" : ops.front().path, fence.latch_node);
    throw;
  }
}

}  // namespace weir::ha
