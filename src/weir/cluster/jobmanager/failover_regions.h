#pragma once
// Pipelined regions for region failover (Flink's `jobmanager.execution.failover-strategy: region`):
// the connected components of subtasks linked by data exchanges. A forward (pointwise) edge links
// subtask i of its producer with subtask i of its consumer; an all-to-all edge (hash, rebalance,
// broadcast, rescale) links every producer subtask with every consumer subtask, so a job with a
// keyed shuffle is one region. Embarrassingly parallel jobs (forward edges only) have one region per
// subtask chain; disconnected pipelines of one job are separate regions.
//
// A failed task restarts its region only, from the latest completed checkpoint; the other regions
// keep running. Data never crosses a region boundary, so the restored region and the running ones
// stay consistent with each other.
//
// Threading: immutable after construction.
#include <string>
#include <utility>
#include <vector>

#include "weir/common/config.h"
#include "weir/graph/job_graph.h"

namespace weir::options {
extern const ConfigOption<std::string> kFailoverStrategy;  // jobmanager.execution.failover-strategy
}  // namespace weir::options

namespace weir::cluster {

class FailoverRegions {
 public:
  FailoverRegions() = default;
  //! `full`: one region holding every subtask (full failover).
  FailoverRegions(const graph::JobGraph& jg, bool full);

  int count() const { return static_cast<int>(members_.size()); }
  int region_of(int vertex, int subtask) const { return region_.at(vertex).at(subtask); }
  //! (vertex, subtask) of every member of `region`, in vertex then subtask order.
  const std::vector<std::pair<int, int>>& members(int region) const { return members_.at(region); }

 private:
  std::vector<std::vector<int>> region_;  // vertex -> subtask -> region
  std::vector<std::vector<std::pair<int, int>>> members_;
};

}  // namespace weir::cluster
