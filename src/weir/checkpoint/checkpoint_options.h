#pragma once
// Configuration keys of checkpointing and failure recovery (Flink's names).
#include "weir/common/config.h"

namespace weir::options {

extern const ConfigOption<Duration> kCheckpointInterval;  // execution.checkpointing.interval
extern const ConfigOption<std::string> kCheckpointMode;   // execution.checkpointing.mode
extern const ConfigOption<Duration> kCheckpointTimeout;   // execution.checkpointing.timeout
extern const ConfigOption<Duration> kCheckpointMinPause;  // execution.checkpointing.min-pause
extern const ConfigOption<int64_t>
    kMaxConcurrentCheckpoints;  // execution.checkpointing.max-concurrent-checkpoints
extern const ConfigOption<int64_t>
    kTolerableFailedCheckpoints;  // execution.checkpointing.tolerable-failed-checkpoints
extern const ConfigOption<int64_t> kNumRetainedCheckpoints;  // execution.checkpointing.num-retained
extern const ConfigOption<std::string>
    kExternalizedRetention;  // execution.checkpointing.externalized-checkpoint-retention
extern const ConfigOption<bool> kUnalignedCheckpoints;  // execution.checkpointing.unaligned.enabled
extern const ConfigOption<Duration>
    kAlignedCheckpointTimeout;                          // execution.checkpointing.aligned-checkpoint-timeout
extern const ConfigOption<std::string> kCheckpointDir;  // execution.checkpointing.dir

// Local recovery (local_state_store.h).
extern const ConfigOption<bool> kLocalRecovery;              // execution.state-recovery.from-local
extern const ConfigOption<bool> kLocalBackup;                // execution.checkpointing.local-backup.enabled
extern const ConfigOption<std::string> kLocalStateRootDirs;  // taskmanager.state.local.root-dirs
//! Restore from local copies when there are some (execution.state-recovery.from-local).
bool local_recovery_enabled(const Configuration& c);
//! Keep local copies of snapshots: execution.checkpointing.local-backup.enabled, which follows
//! execution.state-recovery.from-local when not set (as in Flink).
bool local_backup_enabled(const Configuration& c);

extern const ConfigOption<std::string> kSavepointPath;  // execution.savepoint.path
extern const ConfigOption<bool> kIgnoreUnclaimedState;  // execution.savepoint.ignore-unclaimed-state
extern const ConfigOption<bool>
    kRecoverWithoutCheckpoint;  // execution.checkpointing.recover-without-checkpoint
extern const ConfigOption<std::string> kRestartStrategy;  // restart-strategy.type
extern const ConfigOption<int64_t> kFixedDelayAttempts;   // restart-strategy.fixed-delay.attempts
extern const ConfigOption<Duration> kFixedDelayDelay;     // restart-strategy.fixed-delay.delay
extern const ConfigOption<int64_t>
    kFailureRateMaxFailures;  // restart-strategy.failure-rate.max-failures-per-interval
extern const ConfigOption<Duration>
    kFailureRateInterval;                               // restart-strategy.failure-rate.failure-rate-interval
extern const ConfigOption<Duration> kFailureRateDelay;  // restart-strategy.failure-rate.delay
extern const ConfigOption<Duration> kExpInitialBackoff;  // restart-strategy.exponential-delay.initial-backoff
extern const ConfigOption<Duration> kExpMaxBackoff;      // restart-strategy.exponential-delay.max-backoff
extern const ConfigOption<std::string>
    kExpBackoffMultiplier;  // restart-strategy.exponential-delay.backoff-multiplier
extern const ConfigOption<Duration>
    kExpResetBackoffThreshold;  // restart-strategy.exponential-delay.reset-backoff-threshold
extern const ConfigOption<std::string> kExpJitterFactor;  // restart-strategy.exponential-delay.jitter-factor
extern const ConfigOption<int64_t>
    kExpAttempts;  // restart-strategy.exponential-delay.attempts-before-reset-backoff

}  // namespace weir::options
