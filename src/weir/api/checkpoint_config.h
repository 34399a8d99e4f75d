#pragma once
// Typed settings beside the string keys (Flink's CheckpointConfig, RestartStrategies and state backends):
// each setter writes the `execution.checkpointing.*`, `restart-strategy.*` or `state.*` key a user could
// also set with configure() or -D, so both ways meet in one Configuration and are validated the same way
// (a bad value is a ConfigError naming the key). Durations are std::chrono durations.
//
//   env->enable_checkpointing(std::chrono::seconds(1));
//   env->get_checkpoint_config().set_checkpoint_timeout(std::chrono::minutes(2))
//                               .set_max_concurrent_checkpoints(1);
//   env->set_state_backend(weir::EmbeddedRocksDBStateBackend(/*incremental=*/true));
//   env->set_restart_strategy(weir::RestartStrategies::fixed_delay_restart(3, std::chrono::seconds(10)));
//
// Threading: like the environment, for the thread that defines the job.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "weir/common/config.h"

namespace weir {

enum class CheckpointingMode { kExactlyOnce, kAtLeastOnce };

//! What happens to the retained checkpoints of a job that is canceled.
enum class ExternalizedCheckpointRetention {
  kDeleteOnCancellation,
  kRetainOnCancellation,
  kNoExternalizedCheckpoints
};

//! The checkpointing settings of one environment (a view on its configuration).
class CheckpointConfig {
 public:
  explicit CheckpointConfig(Configuration* config) : config_(config) {}

  bool is_checkpointing_enabled() const;
  //! Checkpoints every `interval` (must be positive; checkpointing is off until set).
  CheckpointConfig& set_checkpoint_interval(Duration interval);
  Duration get_checkpoint_interval() const;
  CheckpointConfig& set_checkpointing_mode(CheckpointingMode mode);
  CheckpointingMode get_checkpointing_mode() const;
  CheckpointConfig& set_checkpoint_timeout(Duration timeout);
  Duration get_checkpoint_timeout() const;
  CheckpointConfig& set_min_pause_between_checkpoints(Duration pause);
  CheckpointConfig& set_max_concurrent_checkpoints(int n);
  CheckpointConfig& set_tolerable_checkpoint_failure_number(int n);
  CheckpointConfig& enable_unaligned_checkpoints(bool enabled = true);
  //! With unaligned checkpoints: start aligned, turn unaligned after `timeout` (0: at once).
  CheckpointConfig& set_aligned_checkpoint_timeout(Duration timeout);
  CheckpointConfig& set_externalized_checkpoint_retention(ExternalizedCheckpointRetention retention);
  //! Where checkpoints go: a directory or URI (file://, s3://).
  CheckpointConfig& set_checkpoint_storage(const std::string& dir);

 private:
  Configuration* config_;
};

//! One restart strategy, as the `restart-strategy.*` keys it sets.
struct RestartStrategyConfiguration {
  std::vector<std::pair<std::string, std::string>> keys;
};

//! Factories of restart strategies (Flink's RestartStrategies).
struct RestartStrategies {
  static RestartStrategyConfiguration no_restart();
  static RestartStrategyConfiguration fixed_delay_restart(int restart_attempts,
                                                          Duration delay_between_attempts);
  static RestartStrategyConfiguration failure_rate_restart(int max_failures_per_interval,
                                                           Duration failure_interval, Duration delay);
  static RestartStrategyConfiguration exponential_delay_restart(Duration initial_backoff,
                                                                Duration max_backoff,
                                                                double backoff_multiplier,
                                                                Duration reset_backoff_threshold,
                                                                double jitter_factor);
};

//! Where keyed state lives, as the `state.backend.*` keys it sets.
class StateBackend {
 public:
  virtual ~StateBackend() = default;
  virtual std::vector<std::pair<std::string, std::string>> keys() const = 0;
};

//! Keyed state as objects in memory (fast; bounded by memory).
class HashMapStateBackend final : public StateBackend {
 public:
  std::vector<std::pair<std::string, std::string>> keys() const override;
};

//! Keyed state in an embedded RocksDB (larger than memory; incremental checkpoints when asked).
class EmbeddedRocksDBStateBackend final : public StateBackend {
 public:
  explicit EmbeddedRocksDBStateBackend(bool enable_incremental_checkpointing = false)
      : incremental_(enable_incremental_checkpointing) {}
  bool is_incremental_checkpoints_enabled() const { return incremental_; }
  //! Where RocksDB keeps its working files (state.backend.rocksdb.localdir).
  EmbeddedRocksDBStateBackend& set_db_storage_path(std::string path) {
    local_dir_ = std::move(path);
    return *this;
  }
  std::vector<std::pair<std::string, std::string>> keys() const override;

 private:
  bool incremental_;
  std::string local_dir_;
};

}  // namespace weir
