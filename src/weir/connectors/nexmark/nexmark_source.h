#pragma once
// The Nexmark generator as a parallel source. Subtask s of p makes events s, s+p, s+2p, ... below
// config.events, each with its dateTime as event timestamp, so every subtask's events are in
// event-time order (up to the configured out-of-orderness) and the union is the same stream for
// every parallelism. `tps` > 0 paces the source at that many events per wall-clock second over all
// subtasks; 0 runs flat out.
//
// Checkpoints: a split is the arithmetic sequence (next, stride) of event numbers a subtask still
// has to make. Restored at another parallelism a subtask may hold several splits (or none); it makes
// their events merged in event-number order, so event time still only moves forward and the job
// resumes with exactly the events it had not made: none skipped, none repeated.
//
// Threading: a reader is used by its subtask's task thread only; the hooks are shared and thread-safe.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "weir/common/serializer.h"
#include "weir/common/task_failure_injector.h"
#include "weir/connectors/nexmark/generator.h"
#include "weir/functions/source_operator.h"

namespace weir::connectors::nexmark {

//! Optional observers of a Nexmark source, shared by all its subtasks and every attempt of the job.
struct NexmarkSourceHooks {
  //! Events made over all subtasks and attempts (replays after a restore count again).
  std::shared_ptr<std::atomic<int64_t>> events_made;
  //! Random task failures (`weir nexmark --inject-failures K`).
  std::shared_ptr<TaskFailureInjector> failures;
};

class NexmarkSourceReader final : public SourceReader<Event> {
 public:
  NexmarkSourceReader(std::shared_ptr<const NexmarkGenerator> gen, double tps, NexmarkSourceHooks hooks = {},
                      BidColumns bid_columns = BidColumns::kAll)
      : gen_(std::move(gen)), tps_(tps), hooks_(std::move(hooks)), bid_columns_(bid_columns) {}

  void open(const SourceContext& ctx) override {
    splits_.assign(1, Split{ctx.subtask_index, ctx.parallelism});
    local_tps_ = tps_ / ctx.parallelism;
    start_ = std::chrono::steady_clock::now();
    if (hooks_.failures) failure_ = hooks_.failures->attach();
  }

  InputStatus poll_next(SourceOutput<Event>& out, int max_records) override {
    const int64_t end = gen_->config().events;
    int64_t budget = max_records;
    if (local_tps_ > 0) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      int64_t allowed = static_cast<int64_t>(elapsed * local_tps_) + 1 - emitted_;
      if (allowed <= 0) return InputStatus::kNothingAvailable;
      budget = std::min(budget, allowed);
    }
    int64_t made = 0;
    if (splits_.size() == 1) {
      Split& sp = splits_.front();
      for (; made < budget && (end < 0 || sp.next < end); ++made, sp.next += sp.stride) emit(out, sp.next);
    } else {
      for (; made < budget; ++made) {
        Split* sp = earliest(end);
        if (!sp) break;
        emit(out, sp->next);
        sp->next += sp->stride;
      }
    }
    if (end >= 0) std::erase_if(splits_, [end](const Split& sp) { return sp.next >= end; });
    emitted_ += made;
    if (hooks_.events_made) hooks_.events_made->fetch_add(made, std::memory_order_relaxed);
    if (hooks_.failures) hooks_.failures->after_records(failure_, made);
    return splits_.empty() ? InputStatus::kEndOfInput : InputStatus::kMoreAvailable;
  }

  //! One split per unfinished sequence: (next, stride).
  std::optional<std::vector<std::string>> snapshot_splits() override {
    std::vector<std::string> out;
    for (const auto& sp : splits_)
      out.push_back(serialize_to_string(std::pair<int64_t, int64_t>{sp.next, sp.stride}));
    return out;
  }
  void restore_splits(const std::vector<std::string>& splits) override {
    splits_.clear();
    for (const auto& s : splits) {
      auto [next, stride] = deserialize_from_string<std::pair<int64_t, int64_t>>(s);
      if (stride <= 0 || next < 0) throw SerializationError("bad Nexmark source split");
      splits_.push_back(Split{next, stride});
    }
  }
  void notify_checkpoint_complete(int64_t) override {
    if (hooks_.failures) hooks_.failures->on_checkpoint_complete(failure_);
  }

  //! Events this reader has emitted so far.
  int64_t emitted() const { return emitted_; }

 private:
  struct Split {
    int64_t next;
    int64_t stride;
  };
  void emit(SourceOutput<Event>& out, int64_t n) {
    gen_->generate(n, event_, bid_columns_);
    out.collect(event_, event_.date_time());
  }
  //! The unfinished split whose next event comes first, or null.
  Split* earliest(int64_t end) {
    Split* best = nullptr;
    for (auto& sp : splits_)
      if ((end < 0 || sp.next < end) && (!best || sp.next < best->next)) best = &sp;
    return best;
  }

  std::shared_ptr<const NexmarkGenerator> gen_;
  double tps_;
  NexmarkSourceHooks hooks_;
  BidColumns bid_columns_;
  double local_tps_ = 0;
  std::vector<Split> splits_;
  int64_t emitted_ = 0;
  TaskFailureInjector::Subtask failure_;
  Event event_;  // reused: records are passed on by reference and copied only where kept
  std::chrono::steady_clock::time_point start_;
};

//! Readers of Nexmark events for `env.from_source<Event>(...)`; they share one generator. `bid_columns`:
//! the columns of bids they make (BidColumns::kNumbers for a job that reads none of a bid's strings).
inline SourceReaderFactory<Event> nexmark_reader_factory(const GeneratorConfig& config, double tps = 0,
                                                         NexmarkSourceHooks hooks = {},
                                                         BidColumns bid_columns = BidColumns::kAll) {
  auto gen = std::make_shared<const NexmarkGenerator>(config);
  return [gen, tps, hooks, bid_columns] {
    return std::make_unique<NexmarkSourceReader>(gen, tps, hooks, bid_columns);
  };
}

}  // namespace weir::connectors::nexmark
