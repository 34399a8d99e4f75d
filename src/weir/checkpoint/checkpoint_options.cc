#include "weir/checkpoint/checkpoint_options.h"

namespace weir::options {

const ConfigOption<Duration> kCheckpointInterval{
    {"execution.checkpointing.interval", ConfigType::kDuration, "0 ms",
     "Interval between periodic checkpoints (0: checkpointing disabled)."}};
const ConfigOption<std::string> kCheckpointMode{
    {"execution.checkpointing.mode",
     ConfigType::kEnum,
     "exactly_once",
     "Barrier handling: aligned for exactly-once, or not aligned.",
     {"exactly_once", "at_least_once"}}};
const ConfigOption<Duration> kCheckpointTimeout{{"execution.checkpointing.timeout", ConfigType::kDuration,
                                                 "10 min",
                                                 "A checkpoint not complete after this long is aborted."}};
const ConfigOption<Duration> kCheckpointMinPause{
    {"execution.checkpointing.min-pause", ConfigType::kDuration, "0 ms",
     "Least time between the end of one checkpoint and the next."}};
const ConfigOption<int64_t> kMaxConcurrentCheckpoints{{"execution.checkpointing.max-concurrent-checkpoints",
                                                       ConfigType::kInt,
                                                       "1",
                                                       "Checkpoints in flight at once.",
                                                       {},
                                                       1,
                                                       64}};
const ConfigOption<int64_t> kTolerableFailedCheckpoints{
    {"execution.checkpointing.tolerable-failed-checkpoints",
     ConfigType::kInt,
     "0",
     "Consecutive failed checkpoints tolerated before the job fails.",
     {},
     0,
     1000000}};
const ConfigOption<int64_t> kNumRetainedCheckpoints{{"execution.checkpointing.num-retained",
                                                     ConfigType::kInt,
                                                     "1",
                                                     "Completed checkpoints kept; older ones are deleted.",
                                                     {},
                                                     1,
                                                     1000}};
const ConfigOption<std::string> kExternalizedRetention{
    {"execution.checkpointing.externalized-checkpoint-retention",
     ConfigType::kEnum,
     "delete_on_cancellation",
     "Whether completed checkpoints survive the job's cancellation.",
     {"delete_on_cancellation", "retain_on_cancellation", "no_externalized_checkpoints"}}};
const ConfigOption<bool> kUnalignedCheckpoints{
    {"execution.checkpointing.unaligned.enabled", ConfigType::kBool, "false",
     "Let barriers overtake in-flight buffers, which join the snapshot."}};
const ConfigOption<Duration> kAlignedCheckpointTimeout{
    {"execution.checkpointing.aligned-checkpoint-timeout", ConfigType::kDuration, "0 ms",
     "With unaligned checkpoints on: start aligned and switch to unaligned after this long (0: always "
     "unaligned)."}};
const ConfigOption<std::string> kCheckpointDir{
    {"execution.checkpointing.dir", ConfigType::kString, "",
     "Directory of checkpoints: <dir>/<job-id>/chk-<n>/_metadata."}};

const ConfigOption<bool> kLocalRecovery{
    {"execution.state-recovery.from-local", ConfigType::kBool, "false",
     "Local recovery: a subtask restarted on the TaskManager it ran on restores from that TaskManager's "
     "local copy of its latest snapshot instead of reading the checkpoint storage (falling back to it when "
     "the copy is missing or corrupt)."}};
const ConfigOption<bool> kLocalBackup{
    {"execution.checkpointing.local-backup.enabled", ConfigType::kBool, "",
     "Keep a local copy of each subtask's latest snapshot on its TaskManager (beside the upload to the "
     "checkpoint storage). Not set: follows execution.state-recovery.from-local."}};
const ConfigOption<std::string> kLocalStateRootDirs{
    {"taskmanager.state.local.root-dirs", ConfigType::kString, "",
     "Comma-separated local directories where TaskManagers keep local copies of snapshots (local "
     "recovery); each TaskManager uses a directory of its own below them. Not set: <temp dir>/"
     "weir-local-state."}};

bool local_recovery_enabled(const Configuration& c) {
  return c.get_bool(kLocalRecovery);
}

bool local_backup_enabled(const Configuration& c) {
  return c.contains(kLocalBackup.key()) ? c.get_bool(kLocalBackup) : c.get_bool(kLocalRecovery);
}

const ConfigOption<std::string> kSavepointPath{{"execution.savepoint.path", ConfigType::kString, "",
                                                "Savepoint or retained checkpoint to start the job from."}};
const ConfigOption<bool> kIgnoreUnclaimedState{{"execution.savepoint.ignore-unclaimed-state",
                                                ConfigType::kBool, "false",
                                                "Start even if the savepoint holds state of operators the "
                                                "job no longer has (allow non-restored state)."}};
const ConfigOption<bool> kRecoverWithoutCheckpoint{
    {"execution.checkpointing.recover-without-checkpoint", ConfigType::kBool, "false",
     "When a job restarts and none of its retained checkpoints can be read, start from the state it started "
     "with (none, or its savepoint) instead of failing. Off by default: sinks may have committed output of "
     "those checkpoints, which would then be produced again."}};
const ConfigOption<std::string> kRestartStrategy{
    {"restart-strategy.type",
     ConfigType::kEnum,
     "",
     "What happens after a failure: none, fixed-delay, failure-rate or exponential-delay (default: none "
     "without "
     "checkpoints, exponential-delay with them).",
     {"none", "off", "disable", "fixed-delay", "fixeddelay", "failure-rate", "failurerate",
      "exponential-delay", "exponentialdelay"}}};
const ConfigOption<int64_t> kFixedDelayAttempts{{"restart-strategy.fixed-delay.attempts",
                                                 ConfigType::kInt,
                                                 "1",
                                                 "Restarts before the job fails.",
                                                 {},
                                                 0,
                                                 INT64_MAX}};
const ConfigOption<Duration> kFixedDelayDelay{
    {"restart-strategy.fixed-delay.delay", ConfigType::kDuration, "1 s", "Wait before each restart."}};
const ConfigOption<int64_t> kFailureRateMaxFailures{
    {"restart-strategy.failure-rate.max-failures-per-interval",
     ConfigType::kInt,
     "1",
     "Failures allowed per interval.",
     {},
     1,
     INT64_MAX}};
const ConfigOption<Duration> kFailureRateInterval{{"restart-strategy.failure-rate.failure-rate-interval",
                                                   ConfigType::kDuration, "1 min",
                                                   "Window in which failures count."}};
const ConfigOption<Duration> kFailureRateDelay{
    {"restart-strategy.failure-rate.delay", ConfigType::kDuration, "1 s", "Wait before each restart."}};
const ConfigOption<Duration> kExpInitialBackoff{{"restart-strategy.exponential-delay.initial-backoff",
                                                 ConfigType::kDuration, "1 s",
                                                 "Wait before the first restart."}};
const ConfigOption<Duration> kExpMaxBackoff{{"restart-strategy.exponential-delay.max-backoff",
                                             ConfigType::kDuration, "1 min",
                                             "Longest wait between restarts."}};
const ConfigOption<std::string> kExpBackoffMultiplier{
    {"restart-strategy.exponential-delay.backoff-multiplier", ConfigType::kString, "1.5",
     "Growth of the wait per restart."}};
const ConfigOption<Duration> kExpResetBackoffThreshold{
    {"restart-strategy.exponential-delay.reset-backoff-threshold", ConfigType::kDuration, "1 h",
     "A job running this long without failure starts again from the initial backoff."}};
const ConfigOption<std::string> kExpJitterFactor{{"restart-strategy.exponential-delay.jitter-factor",
                                                  ConfigType::kString, "0.1",
                                                  "Random fraction added to or removed from each wait."}};
const ConfigOption<int64_t> kExpAttempts{{"restart-strategy.exponential-delay.attempts-before-reset-backoff",
                                          ConfigType::kInt,
                                          "2147483647",
                                          "Restarts before the job fails.",
                                          {},
                                          0,
                                          INT64_MAX}};

}  // namespace weir::options
