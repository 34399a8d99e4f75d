#include "weir/api/environment.h"

#include <fmt/format.h>

#include "weir/api/data_stream.h"
#include "weir/api/job_plan.h"
#include "weir/checkpoint/checkpoint_options.h"
#include "weir/checkpoint/local_state_store.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/connectors/datagen_source.h"
#include "weir/connectors/socket_text_source.h"
#include "weir/connectors/text_file_source.h"
#include "weir/fs/file_system.h"

namespace weir {

namespace {

// A job on an embedded MiniCluster, which it keeps alive while the job's client exists.
class EmbeddedJob : public ExecutedJob {
 public:
  EmbeddedJob(cluster::JobClient c, std::shared_ptr<cluster::MiniCluster> keep)
      : c_(std::move(c)), keep_(std::move(keep)) {}
  JobId job_id() const override { return c_.job_id(); }
  JobStatus status() const override { return c_.status(); }
  void cancel() override { c_.cancel(); }
  JobExecutionResult wait() const override { return c_.wait(); }
  JobStatus wait_for(std::chrono::milliseconds timeout) const override { return c_.wait_for(timeout); }
  std::future<std::string> trigger_savepoint(const std::string& dir) override {
    return c_.trigger_savepoint(dir);
  }
  std::future<std::string> trigger_checkpoint() override { return c_.trigger_checkpoint(); }
  std::future<std::string> stop_with_savepoint(const std::string& dir, bool drain) override {
    return c_.stop_with_savepoint(dir, drain);
  }
  std::string where() const override { return "this process's embedded cluster"; }
  const cluster::JobMaster* job_master() const override { return &c_.job_master(); }
  cluster::MiniCluster* mini_cluster() const override { return keep_.get(); }

 private:
  cluster::JobClient c_;
  std::shared_ptr<cluster::MiniCluster> keep_;
};

}  // namespace

StreamExecutionEnvironment::StreamExecutionEnvironment(Configuration config) : config_(std::move(config)) {
  // A job library's main being planned starts from the submitter's configuration (-D keys, -p); keys the
  // program sets itself win, as settings in code do in Flink.
  if (detail::planning()) {
    Configuration base = detail::planning_config();
    base.merge(config_);
    config_ = std::move(base);
  }
}

StreamExecutionEnvironment& StreamExecutionEnvironment::set_parallelism(int p) {
  config_.set(options::kParallelismDefault.key(), std::to_string(p));
  return *this;
}
int StreamExecutionEnvironment::get_parallelism() const {
  return static_cast<int>(config_.get_int(options::kParallelismDefault));
}
StreamExecutionEnvironment& StreamExecutionEnvironment::set_max_parallelism(int p) {
  config_.set(options::kMaxParallelism.key(), std::to_string(p));
  return *this;
}
int StreamExecutionEnvironment::get_max_parallelism() const {
  return static_cast<int>(config_.get_int(options::kMaxParallelism));
}
StreamExecutionEnvironment& StreamExecutionEnvironment::configure(const std::string& key,
                                                                  const std::string& value) {
  config_.set(key, value);
  return *this;
}

StreamExecutionEnvironment& StreamExecutionEnvironment::enable_checkpointing(Duration interval,
                                                                             CheckpointingMode mode) {
  checkpoint_config_.set_checkpoint_interval(interval).set_checkpointing_mode(mode);
  return *this;
}

StreamExecutionEnvironment& StreamExecutionEnvironment::set_state_backend(const StateBackend& backend) {
  for (const auto& [key, value] : backend.keys()) config_.set(key, value);
  return *this;
}

StreamExecutionEnvironment& StreamExecutionEnvironment::set_restart_strategy(
    const RestartStrategyConfiguration& strategy) {
  for (const auto& [key, value] : strategy.keys) config_.set(key, value);
  return *this;
}

StreamExecutionEnvironment& StreamExecutionEnvironment::set_buffer_timeout(Duration timeout) {
  if (timeout.count() < 0)
    throw ConfigError("bad value for " + options::kBufferTimeout.key() +
                      ": the buffer timeout must not be negative");
  config_.set(options::kBufferTimeout.key(), std::to_string(timeout.count()) + " ms");
  return *this;
}

DataStream<int64_t> StreamExecutionEnvironment::from_sequence(int64_t from, int64_t to) {
  if (to < from) throw JobDefinitionError("from_sequence: 'to' must not be below 'from'");
  auto s =
      from_generator<int64_t>([from](int64_t i) { return from + i; }, to - from + 1, 0, "Sequence Source");
  return s;
}

DataStream<std::string> StreamExecutionEnvironment::read_text_file(const std::string& path) {
  return from_source<std::string>([path] { return std::make_unique<connectors::TextFileReader>(path); },
                                  "Text File Source: " + path);
}

DataStream<std::string> StreamExecutionEnvironment::socket_text_stream(const std::string& host, int port,
                                                                       char delimiter) {
  if (port <= 0 || port > 65535) throw JobDefinitionError("socket_text_stream: port must be in 1..65535");
  return from_source<std::string>(
      [host, port, delimiter] {
        return std::make_unique<connectors::SocketTextReader>(host, port, delimiter);
      },
      "Socket Stream", 1);
}

std::shared_ptr<graph::JobGraph> StreamExecutionEnvironment::get_job_graph(
    const std::string& job_name) const {
  return graph::build_job_graph(graph_, job_name, config_);
}

std::shared_ptr<cluster::MiniCluster> StreamExecutionEnvironment::cluster_for(const graph::JobGraph& jg) {
  if (cluster_) return cluster_;
  cluster::MiniClusterConfig mc;
  mc.num_task_managers = static_cast<int>(config_.get_int(options::kNumTaskManagers));
  int needed = jg.max_vertex_parallelism();
  if (config_.contains(options::kSlotsPerTaskManager.key()))
    mc.slots_per_task_manager = static_cast<int>(config_.get_int(options::kSlotsPerTaskManager));
  else  // Like Flink's local environment: enough slots for the job.
    mc.slots_per_task_manager = (needed + mc.num_task_managers - 1) / mc.num_task_managers;
  mc.clock = clock_;
  mc.job_store = cluster::JobStoreOptions::from(config_);
  mc.tcp_network = config_.get_string(options::kMiniClusterNetwork) == "tcp";
  if (config_.contains(options::kLocalStateRootDirs.key()))
    mc.local_state_root_dirs = checkpoint::local_state_root_dirs(config_);
  return std::make_shared<cluster::MiniCluster>(mc);
}

JobClient StreamExecutionEnvironment::execute_async(const std::string& job_name) {
  auto jg = get_job_graph(job_name);
  // Planning (job_plan.h): hand the graph to the loader and end main here.
  if (detail::planning()) detail::capture_planned_job(std::move(jg), job_name);
  // The s3.* keys of a local job configure the process's object-store client (checkpoints on s3://).
  for (const auto& [k, v] : config_.values())
    if (k.rfind("s3.", 0) == 0) {
      fs::configure(config_);
      break;
    }
  if (executor_) {
    auto job = executor_->execute(*jg, config_);
    graph_ = std::make_shared<graph::StreamGraph>();
    return JobClient(std::move(job));
  }
  auto cluster = cluster_for(*jg);
  auto client = cluster->submit(jg);
  // The next job defined on this environment starts from an empty graph, as in Flink.
  graph_ = std::make_shared<graph::StreamGraph>();
  return JobClient(std::make_shared<EmbeddedJob>(std::move(client), std::move(cluster)));
}

const cluster::JobMaster& JobClient::job_master() const {
  if (const cluster::JobMaster* jm = job_->job_master()) return *jm;
  throw WeirError(
      fmt::format("job {} runs on {}: its JobMaster is in that JobManager (its REST API has "
                  "the job's restarts, failures and checkpoints)",
                  job_->job_id().to_string(), job_->where()));
}

JobExecutionResult StreamExecutionEnvironment::execute(const std::string& job_name) {
  return execute_async(job_name).get_job_execution_result();
}

}  // namespace weir
