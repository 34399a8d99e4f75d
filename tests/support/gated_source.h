#pragma once
// A checkpointed source of 0, 1, 2, ... whose progress the test controls: it emits the numbers below
// Gate::allowed (and below Gate::end), then idles (checkpoints go on) until the test allows more, and
// ends once it emitted `end` numbers. Its position is its split, so a restored job resumes after the
// checkpoint and replays what came after it. Lets a test act on a running job at chosen points without
// depending on how fast the job runs. Parallelism 1.
#include <algorithm>
#include <atomic>
#include <cstdint>
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
