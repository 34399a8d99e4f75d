#include "weir/cluster/jobmanager/failover_regions.h"

#include <map>
#include <numeric>

namespace weir::options {

const ConfigOption<std::string> kFailoverStrategy{
    {"jobmanager.execution.failover-strategy",
     ConfigType::kEnum,
     "region",
     "What restarts when a task fails: full (every task of the job) or region (the failed task's "
     "pipelined region: the subtasks connected to it by data exchanges).",
     {"full", "region"}}};

}  // namespace weir::options

namespace weir::cluster {

namespace {
struct DisjointSets {
  explicit DisjointSets(int n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void join(int a, int b) { parent[find(a)] = find(b); }
  std::vector<int> parent;
};
}  // namespace

FailoverRegions::FailoverRegions(const graph::JobGraph& jg, bool full) {
  std::vector<int> first;  // vertex -> index of its subtask 0
  int n = 0;
  for (const auto& v : jg.vertices) {
    first.push_back(n);
    n += v.parallelism;
  }
  DisjointSets sets(n);
  if (full) {
    for (int i = 1; i < n; ++i) sets.join(0, i);
  } else {
    for (const auto& e : jg.edges) {
      const auto& src = jg.vertices[e.source_vertex];
      const auto& dst = jg.vertices[e.target_vertex];
      if (e.pointwise()) {
        // Channel i of a pointwise edge runs from producer subtask i to consumer subtask i.
        for (int i = 0; i < std::min(src.parallelism, dst.parallelism); ++i)
          sets.join(first[src.id] + i, first[dst.id] + i);
      } else {
        for (int i = 0; i < src.parallelism; ++i) sets.join(first[src.id] + i, first[dst.id]);
        for (int j = 0; j < dst.parallelism; ++j) sets.join(first[dst.id] + j, first[dst.id]);
      }
    }
  }
  std::map<int, int> index;  // root -> region, numbered in order of first appearance
  for (const auto& v : jg.vertices) {
    auto& subs = region_.emplace_back();
    for (int i = 0; i < v.parallelism; ++i) {
      int root = sets.find(first[v.id] + i);
      auto [it, added] = index.emplace(root, static_cast<int>(members_.size()));
      if (added) members_.emplace_back();
      subs.push_back(it->second);
      members_[it->second].emplace_back(v.id, i);
    }
  }
}

}  // namespace weir::cluster
