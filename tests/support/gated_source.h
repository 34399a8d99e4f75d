#pragma once
// A checkpointed source of 0, 1, 2, ... whose progress the test controls: it emits the numbers below
// Gate::allowed (and below Gate::end), then idles (checkpoints go on) until the test allows more, and
// ends once it emitted `end` numbers. Its position is its split, so a restored job resumes after the
// checkpoint and replays what came after it. Lets a test act on a running job at chosen points without
// depending on how fast the job runs. Parallelism 1. GatedSourceReader (below) puts any source, at any
// parallelism, behind such a gate.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/weir.h"

namespace weir::testing {

struct Gate {
  explicit Gate(int64_t end_) : end(end_) {}
  const int64_t end;
  std::atomic<int64_t> allowed{0};
  //! Highest position any attempt of the source reached.
  std::atomic<int64_t> emitted{0};
  void allow(int64_t n) { allowed.store(std::min(n, end)); }
};

class GatedReader final : public SourceReader<int64_t> {
 public:
  explicit GatedReader(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  InputStatus poll_next(SourceOutput<int64_t>& out, int max_records) override {
    if (pos_ >= gate_->end) return InputStatus::kEndOfInput;
    const int64_t limit = std::min(gate_->allowed.load(), gate_->end);
    int n = 0;
    while (pos_ < limit && n < max_records) {
      out.collect(pos_++);
      ++n;
    }
    int64_t seen = gate_->emitted.load();
    while (pos_ > seen && !gate_->emitted.compare_exchange_weak(seen, pos_)) {
    }
    if (pos_ >= gate_->end) return InputStatus::kEndOfInput;
    return n == 0 ? InputStatus::kNothingAvailable : InputStatus::kMoreAvailable;
  }
  std::optional<std::vector<std::string>> snapshot_splits() override {
    return std::vector<std::string>{std::to_string(pos_)};
  }
  void restore_splits(const std::vector<std::string>& splits) override {
    pos_ = 0;
    for (const auto& s : splits) pos_ = std::max<int64_t>(pos_, std::stoll(s));
  }

 private:
  std::shared_ptr<Gate> gate_;
  int64_t pos_ = 0;
};

inline DataStream<int64_t> from_gate(StreamExecutionEnvironment& env, std::shared_ptr<Gate> gate) {
  return env.from_source<int64_t>([gate] { return std::make_unique<GatedReader>(gate); }, "Gated Source", 1);
}

}  // namespace weir::testing

namespace weir::testing {

//! How many records a gated source (gated() below) may have emitted, over all its subtasks and attempts, and
//! how many it has: the test opens the gate step by step and waits for the source to reach it, so it acts on
//! the running job at known points (a failure armed while records are left is bound to land mid-run).
struct SourceGate {
  std::atomic<int64_t> allowed{0};
  std::atomic<int64_t> passed{0};
  void open_by(int64_t n) { allowed.fetch_add(n); }
  void open_fully() { allowed.store(std::numeric_limits<int64_t>::max() / 2); }
};

//! Wraps any source reader: it emits only while the gate allows, and otherwise reports nothing available
//! (so the task goes on with checkpoints and timers). Everything else passes through.
template <typename T>
class GatedSourceReader final : public SourceReader<T> {
 public:
  GatedSourceReader(std::unique_ptr<SourceReader<T>> inner, std::shared_ptr<SourceGate> gate)
      : inner_(std::move(inner)), gate_(std::move(gate)) {}

  void open(const SourceContext& ctx) override { inner_->open(ctx); }
  InputStatus poll_next(SourceOutput<T>& out, int max_records) override {
    // Reserve up to max_records of what the gate allows, poll that many, give back what was not used.
    int64_t passed = gate_->passed.load();
    int64_t take = 0;
    do {
      take = std::min<int64_t>(max_records, gate_->allowed.load() - passed);
      if (take <= 0) return InputStatus::kNothingAvailable;
    } while (!gate_->passed.compare_exchange_weak(passed, passed + take));
    Counting counting(out);
    SourceOutput<T> counted(&counting);
    // Gives back what was not emitted also when a chained operator throws (an injected failure).
    struct GiveBack {
      SourceGate& gate;
      const int64_t& taken;
      const int64_t& emitted;
      ~GiveBack() { gate.passed.fetch_sub(taken - emitted); }
    } give_back{*gate_, take, counting.n};
    return inner_->poll_next(counted, static_cast<int>(take));
  }
  void close() override { inner_->close(); }
  std::optional<std::vector<std::string>> snapshot_splits() override { return inner_->snapshot_splits(); }
  std::optional<std::vector<std::string>> snapshot_splits_at(int64_t checkpoint_id) override {
    return inner_->snapshot_splits_at(checkpoint_id);
  }
  void restore_splits(const std::vector<std::string>& splits) override { inner_->restore_splits(splits); }
  void restore_job_splits(const std::vector<std::string>& all) override { inner_->restore_job_splits(all); }
  void notify_checkpoint_complete(int64_t checkpoint_id) override {
    inner_->notify_checkpoint_complete(checkpoint_id);
  }

 private:
  // Forwards to the task's output, counting records.
  struct Counting final : runtime::Output<T> {
    explicit Counting(SourceOutput<T>& to) : to(to) {}
    void collect(const T& v, Timestamp ts) override {
      ++n;
      to.collect(v, ts);
    }
    void emit_watermark(Timestamp wm) override { to.emit_watermark(wm); }
    void emit_watermark_status(bool idle) override { to.mark_idle(idle); }
    SourceOutput<T>& to;
    int64_t n = 0;
  };

  std::unique_ptr<SourceReader<T>> inner_;
  std::shared_ptr<SourceGate> gate_;
};

//! `factory`'s readers behind `gate`.
template <typename T>
SourceReaderFactory<T> gated(SourceReaderFactory<T> factory, std::shared_ptr<SourceGate> gate) {
  return [factory = std::move(factory), gate = std::move(gate)] {
    return std::make_unique<GatedSourceReader<T>>(factory(), gate);
  };
}

}  // namespace weir::testing
