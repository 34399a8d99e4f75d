#include "weir/ha/completed_checkpoint_store.h"

#include <algorithm>

namespace weir::ha {

std::optional<int64_t> checkpoint_id_of_node(std::string_view name) {
  // 19 digits hold every int64 id but also numbers past INT64_MAX ("9999999999999999999"), which only
  // another writer than Weir can have put there.
  if (name.size() != 19 || name.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  int64_t id = 0;
  for (char c : name) {
    if (id > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

void CompletedCheckpointStore::add(const JobId& job, const CheckpointPointer& checkpoint,
                                   const LeaderFence& fence, const std::vector<int64_t>& subsumed) {
  zk_.create_parents(paths_.checkpoints_dir());
  std::string what = "add completed checkpoint " + std::to_string(checkpoint.checkpoint_id);
  for (int attempt = 0;; ++attempt) {
    // The job's node is created in the same fenced multi-op, so a deposed leader leaves nothing behind
    // (not even an empty node after the new leader's cleanup).
    std::vector<ZooKeeperOp> ops;
    if (!zk_.exists(paths_.checkpoints(job))) ops.push_back(ZooKeeperOp::create(paths_.checkpoints(job), ""));
    ops.push_back(
        ZooKeeperOp::create(paths_.checkpoint(job, checkpoint.checkpoint_id), checkpoint.metadata_path));
    for (int64_t id : subsumed)
      if (zk_.exists(paths_.checkpoint(job, id)))
        ops.push_back(ZooKeeperOp::remove(paths_.checkpoint(job, id)));
    try {
      fenced_multi(zk_, fence, ops, what);
      return;
    } catch (const MultiOpError& e) {
      // The job's node appeared, or a subsumed pointer went, between the reads and the write: read again.
      bool raced = (e.node_exists() && e.path() == paths_.checkpoints(job)) || e.no_node();
      if (!raced || attempt >= 5) throw;
    }
  }
}

void CompletedCheckpointStore::remove(const JobId& job, int64_t checkpoint_id, const LeaderFence& fence) {
  std::string node = paths_.checkpoint(job, checkpoint_id);
  if (!zk_.exists(node)) return;
  try {
    fenced_multi(zk_, fence, {ZooKeeperOp::remove(node)},
                 "remove completed checkpoint " + std::to_string(checkpoint_id));
  } catch (const MultiOpError& e) {
    if (!e.no_node()) throw;
  }
}

std::vector<CheckpointPointer> CompletedCheckpointStore::list(const JobId& job) {
  std::vector<std::string> names;
  try {
    names = zk_.children(paths_.checkpoints(job));
  } catch (const ZooKeeperError& e) {
    if (e.no_node()) return {};
    throw;
  }
  std::sort(names.begin(), names.end());  // zero-padded: name order is id order
  std::vector<CheckpointPointer> out;
  for (const auto& name : names) {
    auto id = checkpoint_id_of_node(name);
    if (!id) continue;  // not a checkpoint pointer
    auto got = zk_.get(paths_.checkpoints(job) + "/" + name);
    if (!got) continue;  // removed meanwhile
    out.push_back({*id, got->first});
  }
  return out;
}

std::optional<CheckpointPointer> CompletedCheckpointStore::latest(const JobId& job) {
  auto all = list(job);
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::optional<CheckpointPointer> CompletedCheckpointStore::latest_restorable(
    const JobId& job, const std::function<void(const CheckpointPointer&)>& load,
    std::vector<std::string>* skipped) {
  auto all = list(job);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      load(*it);
      return *it;
    } catch (const std::exception& e) {
      if (skipped)
        skipped->push_back("checkpoint " + std::to_string(it->checkpoint_id) + " (" + it->metadata_path +
                           "): " + e.what());
    }
  }
  return std::nullopt;
}

void CompletedCheckpointStore::remove_all(const JobId& job, const LeaderFence& fence) {
  std::string dir = paths_.checkpoints(job);
  std::vector<std::string> names;
  try {
    names = zk_.children(dir);
  } catch (const ZooKeeperError& e) {
    if (e.no_node()) return;
    throw;
  }
  std::vector<ZooKeeperOp> ops;
  for (const auto& n : names) ops.push_back(ZooKeeperOp::remove(dir + "/" + n));
  ops.push_back(ZooKeeperOp::remove(dir));
  fenced_multi(zk_, fence, ops, "remove the job's completed checkpoints");
}

}  // namespace weir::ha
