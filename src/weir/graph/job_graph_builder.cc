#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "weir/common/config_options.h"
#include "weir/common/error.h"
#include "weir/graph/job_graph.h"

namespace weir::graph {

using runtime::PartitionerKind;

std::shared_ptr<JobGraph> build_job_graph(std::shared_ptr<StreamGraph> sg, const std::string& job_name,
                                          const Configuration& config) {
  auto jg = std::make_shared<JobGraph>();
  jg->name = job_name;
  jg->config = config;
  const int default_par = static_cast<int>(config.get_int(options::kParallelismDefault));
  const int default_max = static_cast<int>(config.get_int(options::kMaxParallelism));
  const bool chaining_enabled = config.get_bool(options::kOperatorChaining);

  const auto& nodes = sg->nodes();
  if (nodes.empty())
    throw JobDefinitionError("the job has no operators: add a source and a sink before execute()");
  const size_t n = nodes.size();
  jg->node_parallelism.resize(n);
  std::vector<int> node_max(n);
  std::set<std::string> uids;
  for (const auto& node : nodes) {
    int p = node.parallelism > 0 ? node.parallelism : default_par;
    int m = node.max_parallelism > 0 ? node.max_parallelism : default_max;
    if (p > m)
      throw JobDefinitionError(
          fmt::format("operator '{}' has parallelism {} above its max parallelism {}", node.name, p, m));
    jg->node_parallelism[node.id] = p;
    node_max[node.id] = m;
    if (!node.uid.empty() && !uids.insert(node.uid).second)
      throw JobDefinitionError(fmt::format("uid '{}' is used by more than one operator", node.uid));
  }

  // Resolve default partitioners and validate forward edges.
  std::vector<StreamEdge> edges = sg->edges();
  std::vector<std::vector<int>> in_edges(n), out_edges(n);
  for (size_t i = 0; i < edges.size(); ++i) {
    auto& e = edges[i];
    int sp = jg->node_parallelism[e.source], tp = jg->node_parallelism[e.target];
    if (!e.partitioner.explicit_choice && e.partitioner.kind == PartitionerKind::kForward && sp != tp)
      e.partitioner.kind = PartitionerKind::kRebalance;
    if (e.partitioner.kind == PartitionerKind::kForward && sp != tp)
      throw JobDefinitionError(
          fmt::format("forward partitioning does not allow a change of parallelism: '{}' ({}) -> "
                      "'{}' ({}); use rebalance() or rescale()",
                      nodes[e.source].name, sp, nodes[e.target].name, tp));
    in_edges[e.target].push_back(static_cast<int>(i));
    out_edges[e.source].push_back(static_cast<int>(i));
  }

  // Topological order (Kahn), sources first in declaration order.
  std::vector<int> indeg(n, 0), topo;
  for (const auto& e : edges) indeg[e.target]++;
  std::vector<int> ready;
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready.push_back(static_cast<int>(i));
  while (!ready.empty()) {
    std::sort(ready.begin(), ready.end(), std::greater<>());
    int v = ready.back();
    ready.pop_back();
    topo.push_back(v);
    for (int ei : out_edges[v])
      if (--indeg[edges[ei].target] == 0) ready.push_back(edges[ei].target);
  }
  if (topo.size() != n) throw JobDefinitionError("the job graph has a cycle");

  auto chainable = [&](const StreamEdge& e) {
    const auto& up = nodes[e.source];
    const auto& down = nodes[e.target];
    return chaining_enabled && e.partitioner.kind == PartitionerKind::kForward &&
           in_edges[e.target].size() == 1 &&
           jg->node_parallelism[e.source] == jg->node_parallelism[e.target] &&
           node_max[e.source] == node_max[e.target] && !down.is_source &&
           down.chaining == ChainingStrategy::kAlways && up.chaining != ChainingStrategy::kNever;
  };

  jg->node_vertex.assign(n, -1);
  for (int v : topo) {
    int vertex;
    if (in_edges[v].size() == 1 && chainable(edges[in_edges[v][0]])) {
      vertex = jg->node_vertex[edges[in_edges[v][0]].source];
      jg->vertices[vertex].nodes.push_back(v);
      jg->vertices[vertex].name += " -> " + nodes[v].name;
    } else {
      vertex = static_cast<int>(jg->vertices.size());
      JobVertex jv;
      jv.id = vertex;
      jv.name = nodes[v].name;
      jv.parallelism = jg->node_parallelism[v];
      jv.max_parallelism = node_max[v];
      jv.nodes.push_back(v);
      jv.is_source = nodes[v].is_source;
      jg->vertices.push_back(std::move(jv));
    }
    jg->node_vertex[v] = vertex;
  }

  for (const auto& e : edges) {
    int sv = jg->node_vertex[e.source], tv = jg->node_vertex[e.target];
    if (sv == tv) {
      jg->chained_edges.push_back(e);
      continue;
    }
    JobEdge je;
    je.id = static_cast<int>(jg->edges.size());
    je.source_vertex = sv;
    je.source_node = e.source;
    je.target_vertex = tv;
    je.target_input = e.target_input;
    je.partitioner = e.partitioner;
    je.side_tag = e.side_tag;
    je.type = e.type;
    if (jg->vertices[tv].nodes.front() != e.target)
      throw JobDefinitionError("internal: network edge does not enter a chain head");
    jg->edges.push_back(std::move(je));
  }
  jg->stream_graph = std::move(sg);
  return jg;
}

std::string JobGraph::describe() const {
  std::string out = fmt::format("Job '{}'\n", name);
  for (const auto& v : vertices)
    out += fmt::format("  vertex {}: {} (parallelism {})\n", v.id, v.name, v.parallelism);
  for (const auto& e : edges)
    out += fmt::format("  edge {}: vertex {} -> vertex {} input {} [{}{}]\n", e.id, e.source_vertex,
                       e.target_vertex, e.target_input, runtime::partitioner_name(e.partitioner.kind),
                       e.side_tag.empty() ? "" : ", side output " + e.side_tag);
  return out;
}

}  // namespace weir::graph
