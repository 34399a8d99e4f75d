#pragma once
// StreamExecutionEnvironment: where a job is defined and executed. With no cluster attached,
// execute() runs the job on an embedded MiniCluster sized for it; a remote environment
// (weir/client/remote_environment.h) submits it to a running cluster instead.
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "weir/api/checkpoint_config.h"
#include "weir/api/pipeline_executor.h"
#include "weir/checkpoint/savepoint_disposal.h"
#include "weir/common/config.h"
#include "weir/common/config_options.h"
#include "weir/common/time.h"
#include "weir/graph/job_graph.h"
#include "weir/graph/stream_graph.h"

namespace weir {

template <typename T>
class DataStream;
template <typename T>
class SourceReader;
template <typename T>
using SourceReaderFactory = std::function<std::unique_ptr<SourceReader<T>>()>;

using cluster::JobExecutionResult;
using cluster::JobStatus;

//! A handle on a running job (execute_async): on the embedded cluster, which it keeps alive while it exists,
//! or on the cluster an executor submitted it to (a remote environment).
class JobClient {
 public:
  explicit JobClient(std::shared_ptr<ExecutedJob> job) : job_(std::move(job)) {}
  JobId get_job_id() const { return job_->job_id(); }
  JobStatus get_job_status() const { return job_->status(); }
  void cancel() { job_->cancel(); }
  //! Waits for the end; throws JobExecutionError (failed) or JobCanceledError (canceled).
  JobExecutionResult get_job_execution_result() const { return job_->wait(); }
  JobStatus wait_for(std::chrono::milliseconds timeout) const { return job_->wait_for(timeout); }
  //! Takes a savepoint into `dir` (canonical format, relocatable); the future yields its path.
  std::future<std::string> trigger_savepoint(const std::string& dir) { return job_->trigger_savepoint(dir); }
  //! Takes a checkpoint now; the future yields its path.
  std::future<std::string> trigger_checkpoint() { return job_->trigger_checkpoint(); }
  //! Stops the job with a savepoint into `dir`; the job ends FINISHED and the future yields the
  //! savepoint's path. Without `drain`, the savepoint is taken while the job runs and the tasks are
  //! canceled after it: event-time windows and timers stay in the savepoint, and a job resumed from it
  //! goes on as if never stopped. With `drain` (Flink's `stop --drain`), the sources stop first and
  //! emit the maximum watermark, so every window and timer fires, and the savepoint is taken once the
  //! end of input went through the job: use it to end a job for good.
  std::future<std::string> stop_with_savepoint(const std::string& dir, bool drain = false) {
    return job_->stop_with_savepoint(dir, drain);
  }
  //! Deletes a savepoint this or any other job took (see weir::dispose_savepoint).
  checkpoint::DisposedSavepoint dispose_savepoint(const std::string& path) {
    return checkpoint::dispose_savepoint(path);
  }
  //! Restarts so far, failures seen, checkpoint counters (include weir/cluster/jobmanager/job_master.h to
  //! read them: an engine header, not part of weir.h). Only for a job in this process: a remote job's
  //! JobMaster lives in its JobManager (WeirError naming where; its REST API has the same counters).
  const cluster::JobMaster& job_master() const;
  //! The embedded cluster that runs the job (its TaskManagers' counters and local state, for tests);
  //! null when the environment was given another cluster or the job runs remotely.
  cluster::MiniCluster* mini_cluster() const { return job_->mini_cluster(); }

 private:
  std::shared_ptr<ExecutedJob> job_;
};

//! Deletes the savepoint at `path` (Flink's `savepoint --dispose`): only after checking, from its
//! `_metadata`, that it is a savepoint; anything else (a missing path, a directory without
//! `_metadata`, a retained checkpoint) is refused with a WeirError that says why, and nothing is deleted.
using checkpoint::DisposedSavepoint;
inline DisposedSavepoint dispose_savepoint(const std::string& path) {
  return checkpoint::dispose_savepoint(path);
}

class StreamExecutionEnvironment {
 public:
  explicit StreamExecutionEnvironment(Configuration config = {});
  // Not copyable: the checkpoint config and the streams defined on it refer to this environment.
  StreamExecutionEnvironment(const StreamExecutionEnvironment&) = delete;
  StreamExecutionEnvironment& operator=(const StreamExecutionEnvironment&) = delete;
  //! Streams defined on this environment that outlive it refuse to be used (JobDefinitionError naming
  //! the problem) instead of reaching freed memory.
  ~StreamExecutionEnvironment() { *alive_ = false; }
  //! True while this environment exists; what each stream keeps to check that (DataStream).
  std::shared_ptr<const bool> liveness() const { return alive_; }
  static std::unique_ptr<StreamExecutionEnvironment> get_execution_environment(Configuration config = {}) {
    return std::make_unique<StreamExecutionEnvironment>(std::move(config));
  }

  StreamExecutionEnvironment& set_parallelism(int p);
  int get_parallelism() const;
  StreamExecutionEnvironment& set_max_parallelism(int p);
  int get_max_parallelism() const;
  //! Sets any configuration key (Flink names); throws ConfigError naming a bad key or value.
  StreamExecutionEnvironment& configure(const std::string& key, const std::string& value);
  const Configuration& get_config() const { return config_; }

  // Typed settings (checkpoint_config.h): each writes the key configure() would, validated the same way.
  //! Checkpoints every `interval` (Flink's enableCheckpointing).
  StreamExecutionEnvironment& enable_checkpointing(Duration interval,
                                                   CheckpointingMode mode = CheckpointingMode::kExactlyOnce);
  //! The checkpointing settings; lives as long as this environment.
  CheckpointConfig& get_checkpoint_config() { return checkpoint_config_; }
  StreamExecutionEnvironment& set_state_backend(const StateBackend& backend);
  StreamExecutionEnvironment& set_restart_strategy(const RestartStrategyConfiguration& strategy);
  //! How long a partly filled output buffer may wait before it is sent (execution.buffer-timeout.interval).
  StreamExecutionEnvironment& set_buffer_timeout(Duration timeout);
  //! Runs the job on this cluster instead of an embedded one.
  void set_cluster(std::shared_ptr<cluster::MiniCluster> c) { cluster_ = std::move(c); }
  //! Hands jobs to `executor` instead of running them in this process (the remote environment sets one:
  //! weir/client/remote_environment.h).
  void set_executor(std::shared_ptr<PipelineExecutor> executor) { executor_ = std::move(executor); }
  //! Processing time for the job's tasks (tests use a ManualClock).
  void set_clock(std::shared_ptr<Clock> c) { clock_ = std::move(c); }

  // Sources.
  template <typename T>
  DataStream<T> from_collection(std::vector<T> data, const std::string& name = "Collection Source");
  DataStream<int64_t> from_sequence(int64_t from, int64_t to);
  template <typename T>
  DataStream<T> from_generator(std::function<T(int64_t)> gen, int64_t count, double rate_per_second = 0,
                               const std::string& name = "DataGen Source");
  DataStream<std::string> read_text_file(const std::string& path);
  DataStream<std::string> socket_text_stream(const std::string& host, int port, char delimiter = '\n');
  template <typename T>
  DataStream<T> from_source(SourceReaderFactory<T> factory, const std::string& name, int parallelism = 0);

  JobExecutionResult execute(const std::string& job_name = "Weir Streaming Job");
  JobClient execute_async(const std::string& job_name = "Weir Streaming Job");
  //! The JobGraph execute() would run (for plans and tests).
  std::shared_ptr<graph::JobGraph> get_job_graph(const std::string& job_name = "Weir Streaming Job") const;

  graph::StreamGraph& stream_graph() { return *graph_; }

 private:
  std::shared_ptr<cluster::MiniCluster> cluster_for(const graph::JobGraph& jg);
  Configuration config_;
  CheckpointConfig checkpoint_config_{&config_};
  std::shared_ptr<graph::StreamGraph> graph_ = std::make_shared<graph::StreamGraph>();
  std::shared_ptr<cluster::MiniCluster> cluster_;
  std::shared_ptr<PipelineExecutor> executor_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace weir
