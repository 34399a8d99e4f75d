#pragma once
// Runs Nexmark queries on an embedded MiniCluster and measures them: wall time around the job and
// the process's CPU time (getrusage), reported as the RESULT line other tools parse.
#include <memory>
#include <string>
#include <string_view>

#include "weir/common/config.h"
#include "weir/nexmark/query_options.h"

namespace weir::cluster {
class MiniCluster;
}  // namespace weir::cluster

namespace weir::nexmark {

struct QueryRunResult {
  std::string query;
  int64_t events = 0;
  double seconds = 0;      //!< wall time of the job
  double cpu_seconds = 0;  //!< user + system CPU time of the process during the job

  //! `RESULT query=q5 events=10000000 seconds=4.210 events_per_s=2375296 cores=1.9
  //! events_per_s_per_core=1250156` with cores = cpu_seconds / seconds to one decimal and per-core throughput
  //! = events / cpu_seconds.
  std::string result_line() const;

  int restarts = 0;         //!< attempts after the first (JobMaster::attempt())
  int64_t checkpoints = 0;  //!< completed checkpoints (savepoints included)
  //! Averages over completed checkpoints of the slowest task's times (ms).
  double checkpoint_ms = 0, sync_ms = 0, async_ms = 0, alignment_ms = 0;
  int64_t unaligned_checkpoints = 0;
  int failures_injected = 0;
  //! What restores read over the run, summed over the embedded cluster's TaskManagers: bytes from the
  //! checkpoint storage and from local copies (local recovery), subtasks restored, of which those that
  //! read nothing from the checkpoint storage, and local copies found unusable.
  uint64_t restored_bytes_remote = 0;
  uint64_t restored_bytes_local = 0;
  int64_t restored_subtasks = 0;
  int64_t restored_local_subtasks = 0;
  int64_t local_fallbacks = 0;
  std::string savepoint;  //!< the savepoint the job stopped with, if it did

  //! `RECOVERY query=q0 restarts=2 checkpoints=14 failures_injected=2 ...`, ending with the bytes restores
  //! read: `restored_remote_bytes=N restored_local_bytes=M` (local recovery).
  std::string recovery_line() const;
};

//! Fault tolerance of one run, beyond what the configuration sets: random task failures and a stop
//! with a savepoint part-way. Checkpointing itself is configured (execution.checkpointing.*).
struct RunControl {
  //! Random task failures, each after a checkpoint completed (TaskFailureInjector); needs checkpoints.
  int inject_failures = 0;
  uint64_t failure_seed = 0;
  //! Stop with a savepoint into `savepoint_dir` once the source made about this many events (0: never).
  int64_t stop_with_savepoint_after_events = 0;
  std::string savepoint_dir;
  //! Stop with drain: the sources end their input (maximum watermark) before the savepoint.
  bool drain = false;
  //! Run on this embedded cluster instead of one made for the job (tests that look into its TaskManagers).
  std::shared_ptr<cluster::MiniCluster> cluster;
};

//! Builds query `name` on a fresh environment with `config` (parallelism and any other keys) and runs
//! it to the end (or until `control` stops it with a savepoint). Throws JobDefinitionError / ConfigError for
//! bad input, JobExecutionError on failure.
QueryRunResult run_query(std::string_view name, const Configuration& config, const QueryOptions& options,
                         const RunControl& control = {});

//! The generator alone, the practical ceiling of every query: `parallelism` threads each make their
//! share of the events (subtask s makes s, s + p, ...) into a reused Event, without the engine.
//! Reported as query "gen".
QueryRunResult run_generator_alone(int parallelism, const QueryOptions& options);

}  // namespace weir::nexmark
