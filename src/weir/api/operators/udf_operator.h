#pragma once
// Shared plumbing of operators that wrap a user function: typed output, the function's lifecycle,
// and a collector that stamps results with the input's timestamp.
#include <type_traits>

#include "weir/functions/functions.h"
#include "weir/functions/runtime_context.h"
#include "weir/runtime/output.h"
#include "weir/runtime/stream_operator.h"

namespace weir::ops {

template <typename OUT>
class TimestampedCollector final : public Collector<OUT> {
 public:
  void bind(runtime::Output<OUT>* out) { out_ = out; }
  void set_timestamp(Timestamp ts) { ts_ = ts; }
  void collect(const OUT& v) override { out_->collect(v, ts_); }

 private:
  runtime::Output<OUT>* out_ = nullptr;
  Timestamp ts_ = kNoTimestamp;
};

//! An operator that owns user function F and emits OUT.
template <typename OUT, typename F>
class UdfOperator : public runtime::StreamOperator {
 public:
  explicit UdfOperator(F f) : fn_(std::move(f)) {}
  void open() override {
    out_ = static_cast<runtime::Output<OUT>*>(rt_.output);
    collector_.bind(out_);
    ctx_ = std::make_unique<RuntimeContext>(this);
    if constexpr (std::is_base_of_v<CheckpointedFunction, F>) fn_.initialize_state(*ctx_, restored_);
    if constexpr (std::is_base_of_v<RichFunction, F>) fn_.open(*ctx_);
  }
  void initialize_state(const checkpoint::OperatorRestore& r) override {
    runtime::StreamOperator::initialize_state(r);
    restored_ = r.restored();
  }
  void snapshot_state(checkpoint::OperatorSnapshot& out) override {
    if constexpr (std::is_base_of_v<CheckpointedFunction, F>) fn_.snapshot_state(out.checkpoint_id);
    runtime::StreamOperator::snapshot_state(out);
  }
  void close() override {
    if constexpr (std::is_base_of_v<RichFunction, F>) fn_.close();
  }
  void notify_checkpoint_complete(int64_t id) override {
    if constexpr (std::is_base_of_v<CheckpointListener, F>) fn_.notify_checkpoint_complete(id);
  }
  void notify_checkpoint_aborted(int64_t id) override {
    if constexpr (std::is_base_of_v<CheckpointListener, F>) fn_.notify_checkpoint_aborted(id);
  }

 protected:
  F fn_;
  runtime::Output<OUT>* out_ = nullptr;
  TimestampedCollector<OUT> collector_;
  std::unique_ptr<RuntimeContext> ctx_;
  bool restored_ = false;
};

}  // namespace weir::ops
