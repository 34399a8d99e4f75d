#pragma once
// The Nexmark generator as a parallel source. Subtask s of p makes events s, s+p, s+2p, ... below
// config.events, each with its dateTime as event timestamp, so every subtask's events are in
// event-time order (up to the configured out-of-orderness) and the union is the same stream for
// every parallelism. `tps` > 0 paces the source at that many events per wall-clock second over all
// subtasks; 0 runs flat out.
//
// Threading: a reader is used by its subtask's task thread only.
#include <algorithm>
#include <chrono>
#include <memory>

#include "weir/api/data_stream.h"
#include "weir/api/operators/source_operator.h"
#include "weir/connectors/nexmark/generator.h"

namespace weir::connectors::nexmark {

class NexmarkSourceReader final : public SourceReader<Event> {
 public:
  NexmarkSourceReader(std::shared_ptr<const NexmarkGenerator> gen, double tps) : gen_(std::move(gen)), tps_(tps) {}

  void open(const SourceContext& ctx) override {
    next_ = ctx.subtask_index;
    stride_ = ctx.parallelism;
    local_tps_ = tps_ / ctx.parallelism;
    start_ = std::chrono::steady_clock::now();
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
    for (int64_t i = 0; i < budget && (end < 0 || next_ < end); ++i) {
      gen_->generate(next_, event_);
      out.collect(event_, event_.date_time());
      next_ += stride_;
      ++emitted_;
    }
    return (end >= 0 && next_ >= end) ? InputStatus::kEndOfInput : InputStatus::kMoreAvailable;
  }

  //! Events this reader has emitted so far.
  int64_t emitted() const { return emitted_; }

 private:
  std::shared_ptr<const NexmarkGenerator> gen_;
  double tps_;
  double local_tps_ = 0;
  int64_t next_ = 0;
  int64_t stride_ = 1;
  int64_t emitted_ = 0;
  Event event_;  // reused: records are passed on by reference and copied only where kept
  std::chrono::steady_clock::time_point start_;
};

//! A source of Nexmark events on `env` (parallelism 0: the environment's default).
inline DataStream<Event> nexmark_source(StreamExecutionEnvironment& env, const GeneratorConfig& config, double tps = 0,
                                        int parallelism = 0) {
  auto gen = std::make_shared<const NexmarkGenerator>(config);
  return env.from_source<Event>([gen, tps] { return std::make_unique<NexmarkSourceReader>(gen, tps); },
                                "Nexmark Source", parallelism);
}

}  // namespace weir::connectors::nexmark
