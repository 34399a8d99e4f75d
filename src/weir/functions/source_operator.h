#pragma once
// Sources: a SourceReader per subtask, polled by the task's mailbox loop.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/functions/runtime_context.h"
#include "weir/runtime/output.h"
#include "weir/runtime/source_operator.h"

namespace weir {

using runtime::InputStatus;

//! Where a reader puts records.
template <typename T>
class SourceOutput {
 public:
  explicit SourceOutput(runtime::Output<T>* out) : out_(out) {}
  void collect(const T& v) { out_->collect(v, kNoTimestamp); }
  void collect(const T& v, Timestamp ts) { out_->collect(v, ts); }
  //! For readers that generate watermarks themselves (e.g. per Kafka partition): every record emitted from
  //! now on has a timestamp above `wm`.
  void emit_watermark(Timestamp wm) { out_->emit_watermark(wm); }
  //! Idle: this source emits nothing for now, so downstream watermarks need not wait for it.
  void mark_idle(bool idle) { out_->emit_watermark_status(idle); }

 private:
  runtime::Output<T>* out_;
};

//! What a reader knows of its subtask.
struct SourceContext {
  int subtask_index = 0;
  int parallelism = 1;
  runtime::ProcessingTimeService* processing_time = nullptr;
  //! Wakes the task from any thread (OperatorRuntime::wake_task): a reader whose client receives data on its
  //! own threads calls it so the task polls again at once. May be empty.
  std::function<void()> wake_task;
};

//! Reads one subtask's share of a source. poll_next emits at most `max_records` and says whether
//! more are available now, later (the task waits briefly), or never (end of a bounded input).
template <typename T>
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  virtual void open(const SourceContext& ctx) {}
  virtual InputStatus poll_next(SourceOutput<T>& out, int max_records) = 0;
  virtual void close() {}

  // ---- checkpoints ----
  //! The reader's unfinished work as splits, each an opaque encoding of a position. A split is the
  //! unit that moves between subtasks when a job is restored at another parallelism. nullopt: this
  //! source cannot take part in checkpoints.
  virtual std::optional<std::vector<std::string>> snapshot_splits() { return std::nullopt; }
  //! The same, for a reader that wants to know which checkpoint it snapshots (e.g. to commit what that
  //! checkpoint covers once it completes). The operator calls this one.
  virtual std::optional<std::vector<std::string>> snapshot_splits_at(int64_t checkpoint_id) {
    return snapshot_splits();
  }
  //! Replaces the work open() chose with restored splits (possibly none). Called after open().
  virtual void restore_splits(const std::vector<std::string>& splits) {}
  //! The splits of the restored checkpoint that this subtask was offered, before restore_splits: at a new
  //! parallelism every split of every old subtask (the job-wide view a reader that discovers work needs to
  //! tell new work, such as a Kafka partition added since, from work another subtask restored); at an
  //! unchanged parallelism its own old splits only, as every subtask takes back its own.
  virtual void restore_job_splits(const std::vector<std::string>& all_splits) {}
  //! Where `split` goes when a job is restored at `parallelism` subtasks, if the reader has a rule for it
  //! (a reader that discovers work needs every split at the subtask its own rule names, so that a subtask
  //! restored alone knows all of its work from its own splits). -1: dealt round robin.
  virtual int split_owner(const std::string& split, int parallelism) const { return -1; }
  //! Checkpoint `checkpoint_id` completed (every task acknowledged it); on the task thread.
  virtual void notify_checkpoint_complete(int64_t checkpoint_id) {}
};

template <typename T>
using SourceReaderFactory = std::function<std::unique_ptr<SourceReader<T>>()>;

}  // namespace weir

namespace weir::ops {

template <typename T>
class SourceOperator final : public runtime::SourceOperatorBase {
 public:
  explicit SourceOperator(std::unique_ptr<SourceReader<T>> reader) : reader_(std::move(reader)) {}
  void open() override {
    output_ = std::make_unique<SourceOutput<T>>(static_cast<runtime::Output<T>*>(rt_.output));
    reader_->open({rt_.subtask_index, rt_.parallelism, rt_.processing_time, rt_.wake_task});
    if (restored_) {
      reader_->restore_job_splits(job_splits_);
      reader_->restore_splits(restored_splits_);
    }
  }
  InputStatus emit_next(int max_records) override { return reader_->poll_next(*output_, max_records); }
  void close() override { reader_->close(); }
  void notify_checkpoint_complete(int64_t id) override { reader_->notify_checkpoint_complete(id); }

  void snapshot_state(checkpoint::OperatorSnapshot& out) override {
    runtime::SourceOperatorBase::snapshot_state(out);
    auto splits = reader_->snapshot_splits_at(out.checkpoint_id);
    if (!splits) throw WeirError("source '" + rt_.name + "' cannot take part in checkpoints");
    out.source_splits = std::move(*splits);
  }
  //! Splits of all old subtasks, in subtask order; this subtask takes the ones the reader's split_owner
  //! names it for, or else every p-th one. At an unchanged parallelism each subtask takes back its own
  //! splits, so a subtask restored alone (region failover) does not take over a running subtask's work.
  void initialize_state(const checkpoint::OperatorRestore& r) override {
    runtime::SourceOperatorBase::initialize_state(r);
    // A source the checkpoint knew is restored even with no part: its splits had all ended (or its
    // subtask had finished), and starting over would emit their records a second time.
    if (!r.restored()) return;
    auto parts = r.parts;
    std::sort(parts.begin(), parts.end(), [](auto* a, auto* b) { return a->subtask < b->subtask; });
    bool same_parallelism =
        std::all_of(parts.begin(), parts.end(), [&](auto* p) { return p->parallelism == rt_.parallelism; });
    size_t i = 0;
    for (const auto* p : parts)
      for (const auto& split : p->source_splits) {
        int owner = same_parallelism ? p->subtask : reader_->split_owner(split, rt_.parallelism);
        if (owner < 0) owner = static_cast<int>(i % rt_.parallelism);
        bool mine = owner == rt_.subtask_index;
        ++i;
        if (mine) restored_splits_.push_back(split);
        job_splits_.push_back(split);
      }
    restored_ = true;
  }

 private:
  std::unique_ptr<SourceReader<T>> reader_;
  std::unique_ptr<SourceOutput<T>> output_;
  bool restored_ = false;
  std::vector<std::string> restored_splits_;
  std::vector<std::string> job_splits_;
};

}  // namespace weir::ops
