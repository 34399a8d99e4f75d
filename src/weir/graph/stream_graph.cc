#include "weir/graph/stream_graph.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::graph {

StreamNode& StreamGraph::add_node(std::string name, OperatorFactory factory,
                                  std::shared_ptr<runtime::TypeInfoBase> out_type, bool is_source) {
  StreamNode n;
  n.id = static_cast<int>(nodes_.size());
  n.name = std::move(name);
  n.factory = std::move(factory);
  n.out_type = std::move(out_type);
  n.is_source = is_source;
  n.number = next_number_++;
  nodes_.push_back(std::move(n));
  return nodes_.back();
}

void StreamGraph::make_last_a_helper() {
  if (nodes_.empty() || nodes_.back().helper) throw WeirError("internal: no node to make a helper");
  nodes_.back().helper = true;
  --next_number_;  // the next node takes its number
}

std::string operator_id_of(const StreamNode& node) {
  if (!node.uid.empty()) return node.uid;
  return node.helper ? fmt::format("node-{}-pre-aggregation", node.number)
                     : fmt::format("node-{}", node.number);
}

}  // namespace weir::graph
