#include "weir/graph/stream_graph.h"

#include <fmt/format.h>

namespace weir::graph {

StreamNode& StreamGraph::add_node(std::string name, OperatorFactory factory,
                                  std::shared_ptr<runtime::TypeInfoBase> out_type, bool is_source) {
  StreamNode n;
  n.id = static_cast<int>(nodes_.size());
  n.name = std::move(name);
  n.factory = std::move(factory);
  n.out_type = std::move(out_type);
  n.is_source = is_source;
  nodes_.push_back(std::move(n));
  return nodes_.back();
}

std::string operator_id_of(const StreamNode& node) {
  return node.uid.empty() ? fmt::format("node-{}", node.id) : node.uid;
}

}  // namespace weir::graph
