#pragma once
// The StreamGraph: what the DataStream API recorded, one node per transformation, before chaining.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weir/runtime/partitioner.h"
#include "weir/runtime/stream_operator.h"
#include "weir/runtime/type_info.h"

namespace weir::graph {

enum class ChainingStrategy { kAlways, kHead, kNever };

using OperatorFactory = std::function<std::unique_ptr<runtime::StreamOperator>()>;

struct StreamNode {
  int id = 0;
  std::string name;
  std::string uid;
  int parallelism = 0;      //!< 0: the environment's default
  int max_parallelism = 0;  //!< 0: the environment's default
  bool is_source = false;
  ChainingStrategy chaining = ChainingStrategy::kAlways;
  OperatorFactory factory;
  std::shared_ptr<runtime::TypeInfoBase> out_type;
};

//! The stable id of a stream node in checkpoints: its uid, or one derived from the graph. The JobMaster
//! names operator state with it in checkpoint metadata and a task tags each operator's snapshot with it.
std::string operator_id_of(const StreamNode& node);

struct StreamEdge {
  int source = 0;
  int target = 0;
  int target_input = 0;
  runtime::PartitionerSpec partitioner;
  std::string side_tag;  //!< empty: the main output
  std::shared_ptr<runtime::TypeInfoBase> type;
};

class StreamGraph {
 public:
  StreamNode& add_node(std::string name, OperatorFactory factory,
                       std::shared_ptr<runtime::TypeInfoBase> out_type, bool is_source);
  void add_edge(StreamEdge e) { edges_.push_back(std::move(e)); }
  StreamNode& node(int id) { return nodes_.at(id); }
  const StreamNode& node(int id) const { return nodes_.at(id); }
  const std::vector<StreamNode>& nodes() const { return nodes_; }
  const std::vector<StreamEdge>& edges() const { return edges_; }
  std::vector<StreamNode>& mutable_nodes() { return nodes_; }

 private:
  std::vector<StreamNode> nodes_;
  std::vector<StreamEdge> edges_;
};

}  // namespace weir::graph
