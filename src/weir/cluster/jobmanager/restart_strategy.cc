#include "weir/cluster/jobmanager/restart_strategy.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/common/error.h"

namespace weir::cluster {

namespace {
double parse_double(const std::string& key, const std::string& text, double lo, double hi) {
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != text.size() || v < lo || v > hi)
    throw ConfigError(fmt::format(
        "invalid value '{}' for configuration key '{}': expected a number in [{}, {}]", text, key, lo, hi));
  return v;
}
}  // namespace

std::string FixedDelayRestartStrategy::describe() const {
  return fmt::format("fixed-delay (attempts {}, delay {} ms)", attempts_, delay_ms_);
}

int64_t FailureRateRestartStrategy::on_failure(int64_t now_ms) {
  failures_.push_back(now_ms);
  while (!failures_.empty() && failures_.front() <= now_ms - interval_ms_) failures_.pop_front();
  return static_cast<int64_t>(failures_.size()) > max_failures_ ? -1 : delay_ms_;
}

std::string FailureRateRestartStrategy::describe() const {
  return fmt::format("failure-rate ({} failures per {} ms, delay {} ms)", max_failures_, interval_ms_,
                     delay_ms_);
}

int64_t ExponentialDelayRestartStrategy::on_failure(int64_t now_ms) {
  // A job that ran long enough since its last failure starts over from the initial backoff.
  if (last_failure_ != INT64_MIN &&
      now_ms - last_failure_ >= o_.reset_threshold_ms + static_cast<int64_t>(current_)) {
    current_ = 0;
    attempts_ = 0;
  }
  last_failure_ = now_ms;
  if (++attempts_ > o_.attempts) return -1;
  current_ = current_ == 0 ? static_cast<double>(o_.initial_ms)
                           : std::min(current_ * o_.multiplier, static_cast<double>(o_.max_ms));
  double jitter = 0;
  if (o_.jitter > 0) {
    std::uniform_real_distribution<double> d(-o_.jitter, o_.jitter);
    jitter = current_ * d(rng_);
  }
  return std::max<int64_t>(0, static_cast<int64_t>(std::llround(current_ + jitter)));
}

std::string ExponentialDelayRestartStrategy::describe() const {
  return fmt::format("exponential-delay (initial {} ms, max {} ms, multiplier {}, jitter {})", o_.initial_ms,
                     o_.max_ms, o_.multiplier, o_.jitter);
}

std::unique_ptr<RestartStrategy> RestartStrategy::from_config(const Configuration& conf, bool checkpointing) {
  std::string type = conf.get_string(options::kRestartStrategy);
  if (type.empty()) type = checkpointing ? "exponential-delay" : "none";
  if (type == "none" || type == "off" || type == "disable") return std::make_unique<NoRestartStrategy>();
  if (type == "fixed-delay" || type == "fixeddelay")
    return std::make_unique<FixedDelayRestartStrategy>(conf.get_int(options::kFixedDelayAttempts),
                                                       conf.get_duration(options::kFixedDelayDelay).count());
  if (type == "failure-rate" || type == "failurerate")
    return std::make_unique<FailureRateRestartStrategy>(
        conf.get_int(options::kFailureRateMaxFailures),
        conf.get_duration(options::kFailureRateInterval).count(),
        conf.get_duration(options::kFailureRateDelay).count());
  ExponentialDelayRestartStrategy::Options o;
  o.initial_ms = conf.get_duration(options::kExpInitialBackoff).count();
  o.max_ms = conf.get_duration(options::kExpMaxBackoff).count();
  o.multiplier = parse_double(options::kExpBackoffMultiplier.key(),
                              conf.get_string(options::kExpBackoffMultiplier), 1.0, 1e6);
  o.reset_threshold_ms = conf.get_duration(options::kExpResetBackoffThreshold).count();
  o.jitter =
      parse_double(options::kExpJitterFactor.key(), conf.get_string(options::kExpJitterFactor), 0.0, 1.0);
  o.attempts = conf.get_int(options::kExpAttempts);
  return std::make_unique<ExponentialDelayRestartStrategy>(o);
}

}  // namespace weir::cluster
