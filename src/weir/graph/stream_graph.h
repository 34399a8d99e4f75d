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
  //! The number in the id derived from the graph (operator_id_of): the count of numbered nodes before it.
  int number = 0;
  //! An operator the API adds in front of the next node for it (pre-aggregation): it takes no number of
  //! its own, so the ids of the nodes after it stay what they were without it (savepoints still map),
  //! and its derived id is the next node's with a suffix.
  bool helper = false;
};

//! The stable id of a stream node in checkpoints: its uid, or one derived from the graph ("node-N", N its
//! number; a helper node's "node-N-pre-aggregation" with the number of the node it helps). The JobMaster
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
  //! Makes the node added last a helper of the next one (StreamNode::helper).
  void make_last_a_helper();
  void add_edge(StreamEdge e) { edges_.push_back(std::move(e)); }
  StreamNode& node(int id) { return nodes_.at(id); }
  const StreamNode& node(int id) const { return nodes_.at(id); }
  const std::vector<StreamNode>& nodes() const { return nodes_; }
  const std::vector<StreamEdge>& edges() const { return edges_; }
  std::vector<StreamNode>& mutable_nodes() { return nodes_; }

 private:
  std::vector<StreamNode> nodes_;
  std::vector<StreamEdge> edges_;
  int next_number_ = 0;
};

}  // namespace weir::graph
