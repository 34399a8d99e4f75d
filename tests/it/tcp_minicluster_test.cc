// Jobs on a MiniCluster whose two TaskManagers each have their own channels and data plane on loopback
// (minicluster.network: tcp), so every shuffle between them crosses a real TCP connection. Each job's
// output must be exactly the local MiniCluster's (or an independently computed reference): a keyed
// pipeline, Nexmark queries, exactly-once recovery from random task failures, and unaligned checkpoints
// whose in-flight data is replayed after failures.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "it_support.h"
#include "q17_final_rows.h"
#include "weir/nexmark/query_runner.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::published_lines;
using testing::TempDir;

Configuration tcp_config(int parallelism) {
  Configuration c;
  c.set("parallelism.default", std::to_string(parallelism));
  c.set("minicluster.network", "tcp");
  c.set("minicluster.number-of-taskmanagers", "2");
  return c;
}

void use_tcp(StreamExecutionEnvironment& env) {
  env.configure("minicluster.network", "tcp");
  env.configure("minicluster.number-of-taskmanagers", "2");
}

TEST(TcpMiniCluster, AKeyedPipelineShufflesBetweenTaskManagersOverOneConnectionPerPair) {
  cluster::MiniClusterConfig mc;
  mc.num_task_managers = 2;
  mc.slots_per_task_manager = 2;
  mc.tcp_network = true;
  cluster::MiniCluster cluster(mc);
  const auto& tes = cluster.task_executors();
  ASSERT_NE(tes[0]->data_address(), tes[1]->data_address());

  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(4);
  std::vector<int64_t> input;
  for (int64_t i = 0; i < 50'000; ++i) input.push_back(i);
  auto out = env->from_collection(input)
                 .map([](const int64_t& v) {
                   return std::pair<int64_t, int64_t>{v % 13, v};
                 })
                 .key_by([](const std::pair<int64_t, int64_t>& kv) { return kv.first; })
                 .sum<1>()
                 .collect();
  cluster::JobClient(cluster.submit(env->get_job_graph("keyed over tcp"))).wait();

  std::map<int64_t, int64_t> expected, actual;
  for (auto v : input) expected[v % 13] += v;
  for (const auto& [k, s] : out->values()) actual[k] = std::max(actual[k], s);
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(out->size(), input.size());
  // Subtasks of both TaskManagers read from each other: both directions share the pair's connection
  // (two only if both dialed at the same moment).
  for (const auto& te : tes) {
    ASSERT_NE(te->data_plane(), nullptr);
    EXPECT_GE(te->data_plane()->num_connections(), 1u);
    EXPECT_LE(te->data_plane()->num_connections(), 2u);
  }
}

std::multiset<std::string> nexmark_lines(const std::string& query, const Configuration& conf) {
  auto lines = std::make_shared<CollectedResults<std::string>>();
  nexmark::QueryOptions o;
  o.generator.seed = 5;
  o.generator.events = 30'000;
  o.sink = nexmark::SinkSpec::memory(lines);
  nexmark::run_query(query, conf, o);
  auto v = lines->values();
  return {v.begin(), v.end()};
}

TEST(TcpMiniCluster, NexmarkQueriesGiveTheLocalMiniClustersOutput) {
  for (const std::string query : {"q5", "q8"}) {
    Configuration local;
    local.set("parallelism.default", "4");
    local.set("minicluster.number-of-taskmanagers", "2");
    auto want = nexmark_lines(query, local);
    ASSERT_FALSE(want.empty()) << query;
    EXPECT_EQ(nexmark_lines(query, tcp_config(4)), want) << query;
  }
}

// q17 keeps a running aggregate per (auction, day): a key's row with the most bids is its final state,
// so equal final rows mean no event was lost or counted twice across the failures.
std::map<std::pair<int64_t, std::string>, std::string> q17_final_rows(
    const Configuration& conf, const nexmark::RunControl& control,
    nexmark::QueryRunResult* result = nullptr) {
  auto lines = std::make_shared<CollectedResults<std::string>>();
  nexmark::QueryOptions o;
  o.generator.seed = 99;
  o.generator.events = 40'000;
  o.generator.rate = 1000;
  o.tps = control.inject_failures > 0 ? 40'000 : 0;
  o.sink = nexmark::SinkSpec::memory(lines);
  auto r = nexmark::run_query("q17", conf, o, control);
  if (result) *result = r;
  return testing::q17_final_rows(*lines);
}

TEST(TcpMiniCluster, RandomTaskFailuresRecoverExactlyOnceAcrossTaskManagers) {
  Configuration local;
  local.set("parallelism.default", "2");
  auto want = q17_final_rows(local, {});
  ASSERT_GT(want.size(), 100u);

  TempDir dir;
  auto conf = tcp_config(2);
  conf.set("execution.checkpointing.interval", "30 ms");
  conf.set("execution.checkpointing.dir", dir.path.string());
  conf.set("restart-strategy.type", "fixed-delay");
  conf.set("restart-strategy.fixed-delay.attempts", "2");
  conf.set("restart-strategy.fixed-delay.delay", "10 ms");
  nexmark::RunControl control;
  control.inject_failures = 2;
  control.failure_seed = 7;
  nexmark::QueryRunResult r;
  EXPECT_EQ(q17_final_rows(conf, control, &r), want);
  EXPECT_EQ(r.failures_injected, 2);
  EXPECT_EQ(r.restarts, 2);
  EXPECT_GE(r.checkpoints, 2);
}

//! Throws once per attempt after a checkpoint that persisted in-flight data completed, until
//! `failures` failures were injected in total.
class FailAfterCheckpoint : public MapFunction<int64_t, int64_t>, public CheckpointListener {
 public:
  FailAfterCheckpoint(std::shared_ptr<std::atomic<int>> injected, int failures)
      : injected_(std::move(injected)), failures_(failures) {}
  void notify_checkpoint_complete(int64_t) override { ++completed_; }
  int64_t map(const int64_t& v) override {
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    if (completed_ >= 1 && ++seen_ > 2'000 && injected_->load() < failures_ &&
        injected_->fetch_add(1) < failures_)
      throw std::runtime_error("injected failure");
    return v;
  }

 private:
  std::shared_ptr<std::atomic<int>> injected_;
  int failures_;
  int completed_ = 0;
  int64_t seen_ = 0;
};

// A slow map behind a rebalance keeps the channels between the TaskManagers full, so barriers overtake
// queued data in the consumers' channels and that data is persisted; after failures it is replayed
// exactly once into the exactly-once file sink.
TEST(TcpMiniCluster, UnalignedCheckpointsReplayInFlightDataExactlyOnce) {
  const int64_t n = 100'000;
  TempDir dir, out_dir;
  auto injected = std::make_shared<std::atomic<int>>(0);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  use_tcp(*env);
  env->set_parallelism(2);
  env->configure("execution.checkpointing.interval", "50 ms");
  env->configure("execution.checkpointing.dir", dir.path.string());
  env->configure("execution.checkpointing.timeout", "1 s");
  env->configure("execution.checkpointing.tolerable-failed-checkpoints", "1000");
  env->configure("execution.checkpointing.unaligned.enabled", "true");
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "10");
  env->configure("restart-strategy.fixed-delay.delay", "0 ms");
  env->from_generator<int64_t>([](int64_t i) { return i; }, n)
      .rebalance()
      .map(FailAfterCheckpoint(injected, 2), "Failing Slow Map")
      .rebalance()
      .write_as_text(out_dir.path.string());
  auto client = env->execute_async("unaligned over tcp");
  client.get_job_execution_result();
  auto stats = client.job_master().checkpoint_stats();
  EXPECT_EQ(injected->load(), 2) << "checkpoints completed " << stats.completed << ", failed " << stats.failed
                                 << ", restarts " << client.job_master().attempt();
  EXPECT_GT(stats.completed_unaligned, 0);
  EXPECT_GT(stats.in_flight_bytes, 0u);
  std::multiset<std::string> want;
  for (int64_t i = 0; i < n; ++i) want.insert(std::to_string(i));
  auto got = published_lines(out_dir.path);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "published output differs from the input (lost or duplicated lines)";
}

}  // namespace
}  // namespace weir
