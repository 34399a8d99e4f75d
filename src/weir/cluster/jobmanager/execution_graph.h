#pragma once
// The JobMaster's view of a running job: every subtask's current attempt and state.
#include <string>
#include <vector>

#include "weir/cluster/execution_state.h"
#include "weir/graph/job_graph.h"

namespace weir::cluster {

struct ExecutionVertex {
  int vertex = 0;
  int subtask = 0;
  ExecutionState state = ExecutionState::kCreated;
  int attempt = 0;  //!< the deployment this entry follows (the job's restart count when it was deployed)
  std::string task_manager;
  //! The JobMaster's sequence number when this attempt's RUNNING arrived (0: not yet). A heartbeat whose
  //! token is above it was requested after the TaskManager reported the attempt RUNNING.
  uint64_t running_seq = 0;
};

class ExecutionGraph {
 public:
  ExecutionGraph() = default;
  explicit ExecutionGraph(const graph::JobGraph& jg) {
    for (const auto& v : jg.vertices) {
      names_.push_back(v.name);
      auto& subs = vertices_.emplace_back();
      for (int i = 0; i < v.parallelism; ++i) subs.push_back({v.id, i});
    }
  }
  ExecutionVertex& at(int vertex, int subtask) { return vertices_.at(vertex).at(subtask); }
  const std::vector<std::vector<ExecutionVertex>>& vertices() const { return vertices_; }
  const std::string& vertex_name(int v) const { return names_.at(v); }
  int count(ExecutionState s) const {
    int n = 0;
    for (const auto& subs : vertices_)
      for (const auto& e : subs) n += e.state == s;
    return n;
  }
  int total() const {
    int n = 0;
    for (const auto& subs : vertices_) n += static_cast<int>(subs.size());
    return n;
  }
  bool all_terminal() const {
    for (const auto& subs : vertices_)
      for (const auto& e : subs)
        if (!is_terminal(e.state) && e.state != ExecutionState::kCreated) return false;
    return true;
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::vector<ExecutionVertex>> vertices_;
};

}  // namespace weir::cluster
