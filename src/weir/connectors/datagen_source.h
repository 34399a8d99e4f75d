#pragma once
// Generated data: record i is generator(i) for i in [0, count). Parallel: subtask s produces the
// indices s, s+p, s+2p, ... so the union does not depend on the parallelism. An optional rate
// (records per second over all subtasks) paces the source in processing time.
#include <chrono>
#include <cstdint>
#include <functional>
#include <tuple>
#include <vector>

#include "weir/common/serializer.h"

#include "weir/functions/source_operator.h"

namespace weir::connectors {

template <typename T>
class DataGenReader final : public SourceReader<T> {
 public:
  DataGenReader(std::function<T(int64_t)> gen, int64_t count, double rate_per_s)
      : gen_(std::move(gen)), count_(count), rate_(rate_per_s) {}
  void open(const SourceContext& ctx) override {
    next_ = ctx.subtask_index;
    stride_ = ctx.parallelism;
    local_rate_ = rate_ / ctx.parallelism;
    start_ = std::chrono::steady_clock::now();
  }
  InputStatus poll_next(SourceOutput<T>& out, int max_records) override {
    int budget = max_records;
    if (local_rate_ > 0) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      int64_t allowed = static_cast<int64_t>(elapsed * local_rate_) + 1 - emitted_;
      if (allowed <= 0) return InputStatus::kNothingAvailable;
      budget = static_cast<int>(std::min<int64_t>(budget, allowed));
    }
    for (;;) {
      int i = 0;
      for (; i < budget && (count_ < 0 || next_ < count_); ++i, next_ += stride_, ++emitted_)
        out.collect(gen_(next_));
      budget -= i;
      if (count_ < 0 || next_ < count_) return InputStatus::kMoreAvailable;
      if (queued_.empty()) return InputStatus::kEndOfInput;
      std::tie(next_, stride_) = queued_.back();
      queued_.pop_back();
      if (budget <= 0) return InputStatus::kMoreAvailable;
    }
  }
  //! A split is (next index, stride): the indices next, next+stride, ... below count.
  std::optional<std::vector<std::string>> snapshot_splits() override {
    std::vector<std::string> out;
    if (count_ < 0 || next_ < count_)
      out.push_back(serialize_to_string(std::pair<int64_t, int64_t>{next_, stride_}));
    for (const auto& sp : queued_) out.push_back(serialize_to_string(sp));
    return out;
  }
  void restore_splits(const std::vector<std::string>& splits) override {
    next_ = count_ < 0 ? 0 : count_;
    queued_.clear();
    for (const auto& s : splits) queued_.push_back(deserialize_from_string<std::pair<int64_t, int64_t>>(s));
    if (count_ < 0 && !queued_.empty()) {
      std::tie(next_, stride_) = queued_.back();
      queued_.pop_back();
    }
  }

 private:
  std::vector<std::pair<int64_t, int64_t>> queued_;
  std::function<T(int64_t)> gen_;
  int64_t count_;
  double rate_;
  double local_rate_ = 0;
  int64_t next_ = 0;
  int64_t stride_ = 1;
  int64_t emitted_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace weir::connectors
