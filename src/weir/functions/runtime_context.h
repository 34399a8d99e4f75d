#pragma once
// What a rich function sees of its subtask: its index, and its state.
#include <string>

#include "weir/common/error.h"
#include "weir/runtime/operator_state_store.h"
#include "weir/runtime/stream_operator.h"
#include "weir/state/state_factory.h"

namespace weir {

class RuntimeContext {
 public:
  explicit RuntimeContext(runtime::StreamOperator* op) : op_(op) {}

  int get_index_of_this_subtask() const { return op_->runtime().subtask_index; }
  int get_number_of_parallel_subtasks() const { return op_->runtime().parallelism; }
  int get_max_number_of_parallel_subtasks() const { return op_->runtime().max_parallelism; }
  const std::string& get_task_name() const { return op_->runtime().task_name; }
  const std::string& get_operator_name() const { return op_->runtime().name; }
  const std::string& get_job_id() const { return op_->runtime().job_id; }
  //! The job's configuration (read-only).
  const Configuration& get_runtime_config() const { return *op_->runtime().config; }
  //! The job's restart count when this subtask was deployed (0 on the first run). With region
  //! failover only the failed region is redeployed, so subtasks of other regions keep their number.
  int get_attempt_number() const { return op_->runtime().attempt; }

  template <typename V>
  ValueState<V>& get_state(const ValueStateDescriptor<V>& d) {
    return *state::value_state(backend(), d);
  }
  template <typename V>
  ListState<V>& get_list_state(const ListStateDescriptor<V>& d) {
    return *state::list_state(backend(), d);
  }
  template <typename UK, typename UV>
  MapState<UK, UV>& get_map_state(const MapStateDescriptor<UK, UV>& d) {
    return *state::map_state(backend(), d);
  }
  template <typename V>
  ReducingState<V>& get_reducing_state(const ReducingStateDescriptor<V>& d) {
    return *state::reducing_state(backend(), d);
  }
  template <typename IN, typename ACC, typename OUT>
  AggregatingState<IN, OUT>& get_aggregating_state(const AggregatingStateDescriptor<IN, ACC, OUT>& d) {
    return *state::aggregating_state(backend(), d);
  }
  //! Operator list state whose elements, on restore, go to every subtask (Flink's union list state).
  template <typename V>
  ListState<V>& get_union_list_state(const ListStateDescriptor<V>& d) {
    return *op_->operator_state().get_or_create<runtime::OperatorListState<V>>("union:" + d.name);
  }
  //! Operator (non-keyed) list state of this subtask; split evenly over the subtasks on restore.
  template <typename V>
  ListState<V>& get_operator_list_state(const ListStateDescriptor<V>& d) {
    return *op_->operator_state().get_or_create<runtime::OperatorListState<V>>("list:" + d.name);
  }

 private:
  state::KeyedStateBackend& backend() {
    auto* b = op_->keyed_backend();
    if (!b)
      throw JobDefinitionError(
          "keyed state can only be used on a keyed stream, i.e. after key_by() (operator '" +
          op_->runtime().name + "')");
    return *b;
  }
  runtime::StreamOperator* op_;
};

}  // namespace weir
