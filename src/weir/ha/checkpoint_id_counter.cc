#include "weir/ha/checkpoint_id_counter.h"

#include <zookeeper/zookeeper.h>

#include <string>

namespace weir::ha {

int64_t parse_checkpoint_counter(const std::string& text, const std::string& node) {
  size_t pos = 0;
  int64_t v = -1;
  try {
    v = std::stoll(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != text.size() || v < 0)
    throw ZooKeeperError(ZMARSHALLINGERROR, "read checkpoint id counter", node,
                         "'" + text + "' is not a checkpoint id");
  return v;
}

std::pair<int64_t, int32_t> CheckpointIdCounter::read_or_create(const JobId& job, const LeaderFence& fence) {
  std::string node = paths_.counter(job);
  while (true) {
    if (auto got = zk_.get(node)) return {parse_checkpoint_counter(got->first, node), got->second.version};
    zk_.create_parents(paths_.counters_dir());
    try {
      fenced_multi(zk_, fence, {ZooKeeperOp::create(node, std::to_string(kInitialId))},
                   "create checkpoint id counter");
      return {kInitialId, 0};
    } catch (const MultiOpError& e) {
      if (!e.node_exists()) throw;
    }
  }
}

int64_t CheckpointIdCounter::get_and_increment(const JobId& job, const LeaderFence& fence) {
  std::string node = paths_.counter(job);
  while (true) {
    auto [id, version] = read_or_create(job, fence);
    try {
      fenced_multi(zk_, fence, {ZooKeeperOp::set(node, std::to_string(id + 1), version)},
                   "advance checkpoint id counter");
      return id;
    } catch (const MultiOpError& e) {
      if (!e.bad_version() && !e.no_node()) throw;  // someone else advanced it: read again
    }
  }
}

int64_t CheckpointIdCounter::get(const JobId& job) {
  std::string node = paths_.counter(job);
  auto got = zk_.get(node);
  return got ? parse_checkpoint_counter(got->first, node) : kInitialId;
}

void CheckpointIdCounter::set(const JobId& job, int64_t next_id, const LeaderFence& fence) {
  std::string node = paths_.counter(job);
  while (true) {
    auto [id, version] = read_or_create(job, fence);
    try {
      fenced_multi(zk_, fence, {ZooKeeperOp::set(node, std::to_string(next_id), version)},
                   "set checkpoint id counter");
      return;
    } catch (const MultiOpError& e) {
      if (!e.bad_version() && !e.no_node()) throw;
    }
  }
}

void CheckpointIdCounter::remove(const JobId& job, const LeaderFence& fence) {
  std::string node = paths_.counter(job);
  if (!zk_.exists(node)) return;
  try {
    fenced_multi(zk_, fence, {ZooKeeperOp::remove(node)}, "remove checkpoint id counter");
  } catch (const MultiOpError& e) {
    if (!e.no_node()) throw;
  }
}

}  // namespace weir::ha
