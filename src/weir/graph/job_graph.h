#pragma once
// The JobGraph: stream nodes grouped into chains (vertices) that each run as one task per subtask,
// and the network edges between vertices.
#include <memory>
#include <string>
#include <vector>

#include "weir/common/config.h"
#include "weir/graph/stream_graph.h"

namespace weir::graph {

struct JobVertex {
  int id = 0;
  std::string name;  //!< chained operator names joined by " -> "
  int parallelism = 1;
  int max_parallelism = 128;
  std::vector<int> nodes;  //!< stream node ids of the chain, head first, in topological order
  bool is_source = false;
};

//! An edge between two vertices: it leaves `source_node` (any node of the producer chain) and
//! enters the head of the consumer vertex at input `target_input`.
struct JobEdge {
  int id = 0;
  int source_vertex = 0;
  int source_node = 0;
  int target_vertex = 0;
  int target_input = 0;
  runtime::PartitionerSpec partitioner;
  std::string side_tag;
  std::shared_ptr<runtime::TypeInfoBase> type;
  bool pointwise() const { return partitioner.kind == runtime::PartitionerKind::kForward; }
};

struct JobGraph {
  std::string name;
  std::shared_ptr<const StreamGraph> stream_graph;
  std::vector<JobVertex> vertices;  //!< in topological order
  std::vector<JobEdge> edges;
  std::vector<StreamEdge> chained_edges;  //!< edges inside chains
  std::vector<int> node_vertex;           //!< stream node id -> vertex id
  std::vector<int> node_parallelism;      //!< stream node id -> resolved parallelism
  Configuration config;
  //! How another process rebuilds this graph (a serialized JobSpec, see cluster/rpc/cluster.proto):
  //! set when the job came from a client to a cluster; empty for jobs built in this process.
  std::string artifact;

  int max_vertex_parallelism() const {
    int m = 1;
    for (const auto& v : vertices) m = std::max(m, v.parallelism);
    return m;
  }
  //! Human-readable plan (`weir run --plan`, tests).
  std::string describe() const;
};

//! Resolves parallelism, validates edges, and chains operators (forward edges, equal parallelism,
//! single input, chaining allowed).
std::shared_ptr<JobGraph> build_job_graph(std::shared_ptr<StreamGraph> sg, const std::string& job_name,
                                          const Configuration& config);

}  // namespace weir::graph
