#include "weir/api/checkpoint_config.h"

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/common/error.h"

namespace weir {

namespace {

std::string ms(Duration d) {
  return std::to_string(d.count()) + " ms";
}

void require(bool ok, const std::string& key, const std::string& what) {
  if (!ok) throw ConfigError("bad value for " + key + ": " + what);
}

}  // namespace

bool CheckpointConfig::is_checkpointing_enabled() const {
  return get_checkpoint_interval().count() > 0;
}

CheckpointConfig& CheckpointConfig::set_checkpoint_interval(Duration interval) {
  require(interval.count() > 0, options::kCheckpointInterval.key(),
          "the checkpoint interval must be positive, not " + ms(interval));
  config_->set(options::kCheckpointInterval.key(), ms(interval));
  return *this;
}

Duration CheckpointConfig::get_checkpoint_interval() const {
  return config_->get_duration(options::kCheckpointInterval);
}

CheckpointConfig& CheckpointConfig::set_checkpointing_mode(CheckpointingMode mode) {
  config_->set(options::kCheckpointMode.key(),
               mode == CheckpointingMode::kExactlyOnce ? "exactly_once" : "at_least_once");
  return *this;
}

CheckpointingMode CheckpointConfig::get_checkpointing_mode() const {
  return config_->get_string(options::kCheckpointMode) == "at_least_once" ? CheckpointingMode::kAtLeastOnce
                                                                          : CheckpointingMode::kExactlyOnce;
}

CheckpointConfig& CheckpointConfig::set_checkpoint_timeout(Duration timeout) {
  require(timeout.count() > 0, options::kCheckpointTimeout.key(),
          "the checkpoint timeout must be positive, not " + ms(timeout));
  config_->set(options::kCheckpointTimeout.key(), ms(timeout));
  return *this;
}

Duration CheckpointConfig::get_checkpoint_timeout() const {
  return config_->get_duration(options::kCheckpointTimeout);
}

CheckpointConfig& CheckpointConfig::set_min_pause_between_checkpoints(Duration pause) {
  require(pause.count() >= 0, options::kCheckpointMinPause.key(), "the pause must not be negative");
  config_->set(options::kCheckpointMinPause.key(), ms(pause));
  return *this;
}

CheckpointConfig& CheckpointConfig::set_max_concurrent_checkpoints(int n) {
  require(n >= 1, options::kMaxConcurrentCheckpoints.key(), "at least 1, not " + std::to_string(n));
  config_->set(options::kMaxConcurrentCheckpoints.key(), std::to_string(n));
  return *this;
}

CheckpointConfig& CheckpointConfig::set_tolerable_checkpoint_failure_number(int n) {
  require(n >= 0, options::kTolerableFailedCheckpoints.key(),
          "must not be negative, not " + std::to_string(n));
  config_->set(options::kTolerableFailedCheckpoints.key(), std::to_string(n));
  return *this;
}

CheckpointConfig& CheckpointConfig::enable_unaligned_checkpoints(bool enabled) {
  config_->set(options::kUnalignedCheckpoints.key(), enabled ? "true" : "false");
  return *this;
}

CheckpointConfig& CheckpointConfig::set_aligned_checkpoint_timeout(Duration timeout) {
  require(timeout.count() >= 0, options::kAlignedCheckpointTimeout.key(), "must not be negative");
  config_->set(options::kAlignedCheckpointTimeout.key(), ms(timeout));
  return *this;
}

CheckpointConfig& CheckpointConfig::set_externalized_checkpoint_retention(ExternalizedCheckpointRetention r) {
  const char* v = r == ExternalizedCheckpointRetention::kRetainOnCancellation ? "retain_on_cancellation"
                  : r == ExternalizedCheckpointRetention::kDeleteOnCancellation
                      ? "delete_on_cancellation"
                      : "no_externalized_checkpoints";
  config_->set(options::kExternalizedRetention.key(), v);
  return *this;
}

CheckpointConfig& CheckpointConfig::set_checkpoint_storage(const std::string& dir) {
  require(!dir.empty(), options::kCheckpointDir.key(), "the checkpoint directory must not be empty");
  config_->set(options::kCheckpointDir.key(), dir);
  return *this;
}

RestartStrategyConfiguration RestartStrategies::no_restart() {
  return {{{"restart-strategy.type", "none"}}};
}

RestartStrategyConfiguration RestartStrategies::fixed_delay_restart(int restart_attempts, Duration delay) {
  require(restart_attempts >= 0, "restart-strategy.fixed-delay.attempts", "must not be negative");
  require(delay.count() >= 0, "restart-strategy.fixed-delay.delay", "must not be negative");
  return {{{"restart-strategy.type", "fixed-delay"},
           {"restart-strategy.fixed-delay.attempts", std::to_string(restart_attempts)},
           {"restart-strategy.fixed-delay.delay", ms(delay)}}};
}

RestartStrategyConfiguration RestartStrategies::failure_rate_restart(int max_failures_per_interval,
                                                                     Duration failure_interval,
                                                                     Duration delay) {
  require(max_failures_per_interval >= 1, "restart-strategy.failure-rate.max-failures-per-interval",
          "at least 1");
  require(failure_interval.count() > 0, "restart-strategy.failure-rate.failure-rate-interval",
          "must be positive");
  require(delay.count() >= 0, "restart-strategy.failure-rate.delay", "must not be negative");
  return {
      {{"restart-strategy.type", "failure-rate"},
       {"restart-strategy.failure-rate.max-failures-per-interval", std::to_string(max_failures_per_interval)},
       {"restart-strategy.failure-rate.failure-rate-interval", ms(failure_interval)},
       {"restart-strategy.failure-rate.delay", ms(delay)}}};
}

RestartStrategyConfiguration RestartStrategies::exponential_delay_restart(Duration initial_backoff,
                                                                          Duration max_backoff,
                                                                          double backoff_multiplier,
                                                                          Duration reset_backoff_threshold,
                                                                          double jitter_factor) {
  require(initial_backoff.count() >= 0 && max_backoff >= initial_backoff,
          "restart-strategy.exponential-delay.max-backoff", "must not be below the initial backoff");
  require(backoff_multiplier >= 1.0, "restart-strategy.exponential-delay.backoff-multiplier", "at least 1");
  require(jitter_factor >= 0.0 && jitter_factor <= 1.0, "restart-strategy.exponential-delay.jitter-factor",
          "between 0 and 1");
  return {{{"restart-strategy.type", "exponential-delay"},
           {"restart-strategy.exponential-delay.initial-backoff", ms(initial_backoff)},
           {"restart-strategy.exponential-delay.max-backoff", ms(max_backoff)},
           {"restart-strategy.exponential-delay.backoff-multiplier", std::to_string(backoff_multiplier)},
           {"restart-strategy.exponential-delay.reset-backoff-threshold", ms(reset_backoff_threshold)},
           {"restart-strategy.exponential-delay.jitter-factor", std::to_string(jitter_factor)}}};
}

std::vector<std::pair<std::string, std::string>> HashMapStateBackend::keys() const {
  return {{"state.backend.type", "hashmap"}};
}

std::vector<std::pair<std::string, std::string>> EmbeddedRocksDBStateBackend::keys() const {
  std::vector<std::pair<std::string, std::string>> k{
      {"state.backend.type", "rocksdb"},
      {"execution.checkpointing.incremental", incremental_ ? "true" : "false"}};
  if (!local_dir_.empty()) k.emplace_back("state.backend.rocksdb.localdir", local_dir_);
  return k;
}

}  // namespace weir
