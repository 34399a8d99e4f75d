#pragma once
// User function interfaces, in PyFlink's vocabulary. Any of them may also be given as a lambda
// (map, filter, key_by, ...). Functions are copied once per subtask, so they must be copyable.
#include <string>

#include "weir/common/time.h"
#include "weir/state/state_descriptor.h"

namespace weir {

class RuntimeContext;

template <typename T>
class Collector {
 public:
  virtual ~Collector() = default;
  virtual void collect(const T& value) = 0;
};

//! Functions with a lifecycle: open() before the first record, close() after the last.
class RichFunction {
 public:
  virtual ~RichFunction() = default;
  virtual void open(RuntimeContext& ctx) {}
  virtual void close() {}
};

//! Functions that want to hear about checkpoints (e.g. to commit side effects once a checkpoint is
//! complete) also derive from this.
class CheckpointListener {
 public:
  virtual ~CheckpointListener() = default;
  virtual void notify_checkpoint_complete(int64_t checkpoint_id) {}
  virtual void notify_checkpoint_aborted(int64_t checkpoint_id) {}
};

//! Functions with state of their own to checkpoint (Flink's CheckpointedFunction). They keep it in
//! operator state obtained from the RuntimeContext.
class CheckpointedFunction {
 public:
  virtual ~CheckpointedFunction() = default;
  //! Before open(): get operator state from `ctx`; `restored` says whether it holds restored values.
  virtual void initialize_state(RuntimeContext& ctx, bool restored) = 0;
  //! On the task thread as checkpoint `checkpoint_id` passes: bring the operator state up to date.
  virtual void snapshot_state(int64_t checkpoint_id) = 0;
};

template <typename IN, typename OUT>
class MapFunction : public RichFunction {
 public:
  using In = IN;
  using Out = OUT;
  virtual OUT map(const IN& value) = 0;
};

template <typename IN, typename OUT>
class FlatMapFunction : public RichFunction {
 public:
  using In = IN;
  using Out = OUT;
  virtual void flat_map(const IN& value, Collector<OUT>& out) = 0;
};

template <typename T>
class FilterFunction : public RichFunction {
 public:
  virtual bool filter(const T& value) = 0;
};

template <typename T>
class ReduceFunction : public RichFunction {
 public:
  virtual T reduce(const T& a, const T& b) = 0;
};

template <typename T>
class SinkFunction : public RichFunction {
 public:
  struct Context {
    Timestamp timestamp;  //!< the record's event time, or kNoTimestamp
    Timestamp watermark;  //!< the sink's current watermark
  };
  virtual void invoke(const T& value, const Context& ctx) = 0;
  //! Called once at the end of a bounded input, before close().
  virtual void finish() {}
};

template <typename IN1, typename IN2, typename OUT>
class CoMapFunction : public RichFunction {
 public:
  using Out = OUT;
  virtual OUT map1(const IN1& value) = 0;
  virtual OUT map2(const IN2& value) = 0;
};

template <typename IN1, typename IN2, typename OUT>
class CoFlatMapFunction : public RichFunction {
 public:
  using Out = OUT;
  virtual void flat_map1(const IN1& value, Collector<OUT>& out) = 0;
  virtual void flat_map2(const IN2& value, Collector<OUT>& out) = 0;
};

//! Names a side output and its record type.
template <typename T>
struct OutputTag {
  explicit OutputTag(std::string id_) : id(std::move(id_)) {}
  std::string id;
};

}  // namespace weir
