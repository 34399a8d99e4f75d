#pragma once
// Wraps a reader of Nexmark events (the Kafka source's) with what the generator source does itself: pacing
// at `tps` events per wall-clock second over all subtasks, and the hooks `weir nexmark` watches a run
// through (events made, injected task failures). Everything else (splits, checkpoints) is the inner
// reader's.
//
// Threading: the source's task thread only; the hooks are shared and thread-safe.
#include <algorithm>
#include <chrono>
#include <memory>

#include "weir/common/task_failure_injector.h"
#include "weir/connectors/nexmark/nexmark_source.h"
#include "weir/functions/source_operator.h"

namespace weir::nexmark {

class PacedEventReader final : public SourceReader<connectors::nexmark::Event> {
 public:
  using Event = connectors::nexmark::Event;

  PacedEventReader(std::unique_ptr<SourceReader<Event>> inner, double tps,
                   connectors::nexmark::NexmarkSourceHooks hooks)
      : inner_(std::move(inner)), tps_(tps), hooks_(std::move(hooks)) {}

  void open(const SourceContext& ctx) override {
    local_tps_ = tps_ / ctx.parallelism;
    start_ = std::chrono::steady_clock::now();
    if (hooks_.failures) failure_ = hooks_.failures->attach();
    inner_->open(ctx);
  }

  InputStatus poll_next(SourceOutput<Event>& out, int max_records) override {
    int budget = max_records;
    if (local_tps_ > 0) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      int64_t allowed = static_cast<int64_t>(elapsed * local_tps_) + 1 - emitted_;
      if (allowed <= 0) return InputStatus::kNothingAvailable;
      budget = static_cast<int>(std::min<int64_t>(budget, allowed));
    }
    counter_.reset(out);
    InputStatus st = inner_->poll_next(counter_.output, budget);
    int64_t made = counter_.count;
    emitted_ += made;
    if (made > 0) {
      if (hooks_.events_made) hooks_.events_made->fetch_add(made, std::memory_order_relaxed);
      if (hooks_.failures) hooks_.failures->after_records(failure_, made);
    }
    return st;
  }

  void close() override { inner_->close(); }
  std::optional<std::vector<std::string>> snapshot_splits() override { return inner_->snapshot_splits(); }
  std::optional<std::vector<std::string>> snapshot_splits_at(int64_t checkpoint_id) override {
    return inner_->snapshot_splits_at(checkpoint_id);
  }
  void restore_splits(const std::vector<std::string>& splits) override { inner_->restore_splits(splits); }
  void restore_job_splits(const std::vector<std::string>& all_splits) override {
    inner_->restore_job_splits(all_splits);
  }
  int split_owner(const std::string& split, int parallelism) const override {
    return inner_->split_owner(split, parallelism);
  }
  void notify_checkpoint_complete(int64_t checkpoint_id) override {
    if (hooks_.failures) hooks_.failures->on_checkpoint_complete(failure_);
    inner_->notify_checkpoint_complete(checkpoint_id);
  }

 private:
  // Counts the records the inner reader emits and passes them, its watermarks and idleness on. (A source
  // that ends idle is made active before its final watermark by SourceOperatorBase::finish.)
  struct Counter final : runtime::Output<Event> {
    SourceOutput<Event>* target = nullptr;
    SourceOutput<Event> output{this};
    int64_t count = 0;
    void reset(SourceOutput<Event>& out) {
      target = &out;
      count = 0;
    }
    void collect(const Event& e, Timestamp ts) override {
      ++count;
      target->collect(e, ts);
    }
    void emit_watermark(Timestamp wm) override { target->emit_watermark(wm); }
    void emit_watermark_status(bool is_idle) override { target->mark_idle(is_idle); }
  };

  std::unique_ptr<SourceReader<Event>> inner_;
  double tps_;
  connectors::nexmark::NexmarkSourceHooks hooks_;
  double local_tps_ = 0;
  int64_t emitted_ = 0;
  std::chrono::steady_clock::time_point start_;
  TaskFailureInjector::Subtask failure_;
  Counter counter_;
};

}  // namespace weir::nexmark
