#pragma once
// Restart strategies decide whether a failed job restarts and after how long (Flink's names and
// options): none, fixed-delay, failure-rate, exponential-delay (with jitter).
//
// Threading: used by the JobMaster under its lock.
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>

#include "weir/common/config.h"

namespace weir::cluster {

class RestartStrategy {
 public:
  virtual ~RestartStrategy() = default;
  //! Records a failure at `now_ms`; returns the delay before restarting, or -1 when the job must fail.
  virtual int64_t on_failure(int64_t now_ms) = 0;
  virtual std::string describe() const = 0;

  //! The strategy the configuration asks for; without restart-strategy.type: none without
  //! checkpointing, exponential-delay with it (as in Flink).
  static std::unique_ptr<RestartStrategy> from_config(const Configuration& conf, bool checkpointing);
};

class NoRestartStrategy final : public RestartStrategy {
 public:
  int64_t on_failure(int64_t) override { return -1; }
  std::string describe() const override { return "none"; }
};

class FixedDelayRestartStrategy final : public RestartStrategy {
 public:
  FixedDelayRestartStrategy(int64_t attempts, int64_t delay_ms) : attempts_(attempts), delay_ms_(delay_ms) {}
  int64_t on_failure(int64_t) override { return ++failures_ > attempts_ ? -1 : delay_ms_; }
  std::string describe() const override;

 private:
  int64_t attempts_;
  int64_t delay_ms_;
  int64_t failures_ = 0;
};

class FailureRateRestartStrategy final : public RestartStrategy {
 public:
  FailureRateRestartStrategy(int64_t max_failures, int64_t interval_ms, int64_t delay_ms)
      : max_failures_(max_failures), interval_ms_(interval_ms), delay_ms_(delay_ms) {}
  int64_t on_failure(int64_t now_ms) override;
  std::string describe() const override;

 private:
  int64_t max_failures_;
  int64_t interval_ms_;
  int64_t delay_ms_;
  std::deque<int64_t> failures_;
};

class ExponentialDelayRestartStrategy final : public RestartStrategy {
 public:
  struct Options {
    int64_t initial_ms = 1000;
    int64_t max_ms = 60000;
    double multiplier = 1.5;
    int64_t reset_threshold_ms = 3600000;
    double jitter = 0.1;
    int64_t attempts = INT32_MAX;
  };
  explicit ExponentialDelayRestartStrategy(Options o, uint64_t seed = std::random_device{}())
      : o_(o), rng_(seed) {}
  int64_t on_failure(int64_t now_ms) override;
  std::string describe() const override;

 private:
  Options o_;
  std::mt19937_64 rng_;
  double current_ = 0;
  int64_t last_failure_ = INT64_MIN;
  int64_t attempts_ = 0;
};

}  // namespace weir::cluster
