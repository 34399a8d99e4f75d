// Region failover (jobmanager.execution.failover-strategy = region, the default): a failed task
// restarts only its pipelined region, from the latest completed checkpoint, while the other regions
// keep running; the exactly-once file sink's output is still every record once.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/cluster/jobmanager/failover_regions.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::published_lines;
using testing::TempDir;

//! Shared by every subtask and attempt: which (subtask, attempt) opened, and whether the one failure
//! was injected.
struct Log {
  std::mutex mu;
  std::vector<std::pair<int, int>> opened;  // (subtask, attempt)
  std::atomic<bool> failed{false};
};

//! Passes records through; subtask `victim` throws once, on its first attempt, after a checkpoint
//! completed and some records passed since.
class FailOneSubtask : public MapFunction<int64_t, int64_t>, public CheckpointListener {
 public:
  FailOneSubtask(std::shared_ptr<Log> log, int victim) : log_(std::move(log)), victim_(victim) {}
  void open(RuntimeContext& ctx) override {
    subtask_ = ctx.get_index_of_this_subtask();
    attempt_ = ctx.get_attempt_number();
    std::lock_guard lock(log_->mu);
    log_->opened.emplace_back(subtask_, attempt_);
  }
  void notify_checkpoint_complete(int64_t) override { checkpointed_ = true; }
  int64_t map(const int64_t& v) override {
    if (checkpointed_ && subtask_ == victim_ && attempt_ == 0 && ++since_ > 200 &&
        !log_->failed.exchange(true))
      throw std::runtime_error("injected failure in subtask " + std::to_string(victim_));
    return v;
  }

 private:
  std::shared_ptr<Log> log_;
  int victim_;
  int subtask_ = 0;
  int attempt_ = 0;
  bool checkpointed_ = false;
  int since_ = 0;
};

void enable_recovery(StreamExecutionEnvironment& env, const fs::path& dir) {
  env.configure("execution.checkpointing.interval", "30 ms");
  env.configure("execution.checkpointing.dir", dir.string());
  env.configure("restart-strategy.type", "fixed-delay");
  env.configure("restart-strategy.fixed-delay.attempts", "3");
  env.configure("restart-strategy.fixed-delay.delay", "0 ms");
}

// source -> map (fails in subtask 2) -> file sink, forward edges only, not chained: 4 regions.
void forward_job(StreamExecutionEnvironment& env, int64_t n, std::shared_ptr<Log> log, const fs::path& out) {
  env.set_parallelism(4);
  env.configure("pipeline.operator-chaining.enabled", "false");
  env.from_generator<int64_t>([](int64_t i) { return i; }, n, 40'000)
      .map(FailOneSubtask(std::move(log), 2), "Failing Map")
      .write_as_text(out.string());
}

std::multiset<std::string> numbers(int64_t n) {
  std::multiset<std::string> want;
  for (int64_t i = 0; i < n; ++i) want.insert(std::to_string(i));
  return want;
}

TEST(RegionFailover, RegionsAreTheComponentsOfDataExchanges) {
  {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    forward_job(*env, 10, std::make_shared<Log>(), "/unused");
    auto jg = env->get_job_graph();
    ASSERT_EQ(jg->vertices.size(), 3u);
    cluster::FailoverRegions regions(*jg, false);
    EXPECT_EQ(regions.count(), 4);
    for (int v = 0; v < 3; ++v)
      for (int i = 0; i < 4; ++i) EXPECT_EQ(regions.region_of(v, i), regions.region_of(0, i));
    EXPECT_EQ(cluster::FailoverRegions(*jg, true).count(), 1);
  }
  {
    // A keyed shuffle joins every subtask into one region.
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(3);
    env->from_sequence(0, 10)
        .key_by([](const int64_t& v) { return v % 2; })
        .reduce([](const int64_t& a, const int64_t& b) { return a + b; })
        .collect();
    EXPECT_EQ(cluster::FailoverRegions(*env->get_job_graph(), false).count(), 1);
  }
}

TEST(RegionFailover, ForwardJobRestartsOnlyTheFailedSubtasksRegion) {
  const int64_t n = 60'000;
  TempDir ckpt, out;
  auto log = std::make_shared<Log>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  enable_recovery(*env, ckpt.path);
  forward_job(*env, n, log, out.path);
  auto client = env->execute_async("forward regions");
  client.get_job_execution_result();
  ASSERT_TRUE(log->failed.load());
  EXPECT_EQ(client.job_master().attempt(), 1);
  EXPECT_EQ(client.job_master().exception_history().size(), 1u);
  // Subtasks 0, 1 and 3 ran once, as attempt 0; subtask 2 ran again as attempt 1.
  std::multiset<std::pair<int, int>> opened(log->opened.begin(), log->opened.end());
  EXPECT_EQ(opened, (std::multiset<std::pair<int, int>>{{0, 0}, {1, 0}, {2, 0}, {2, 1}, {3, 0}}));
  auto eg = client.job_master().snapshot();
  for (const auto& subs : eg.vertices())
    for (const auto& ev : subs) EXPECT_EQ(ev.attempt, ev.subtask == 2 ? 1 : 0) << eg.vertex_name(ev.vertex);
  auto got = published_lines(out.path);
  EXPECT_EQ(got.size(), static_cast<size_t>(n));
  EXPECT_TRUE(got == numbers(n)) << "lost or duplicated records";
  for (const auto& e : fs::directory_iterator(out.path))
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

TEST(RegionFailover, FullStrategyRestartsEveryTask) {
  const int64_t n = 40'000;
  TempDir ckpt, out;
  auto log = std::make_shared<Log>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  enable_recovery(*env, ckpt.path);
  env->configure("jobmanager.execution.failover-strategy", "full");
  forward_job(*env, n, log, out.path);
  auto client = env->execute_async("full");
  client.get_job_execution_result();
  ASSERT_TRUE(log->failed.load());
  auto eg = client.job_master().snapshot();
  for (const auto& subs : eg.vertices())
    for (const auto& ev : subs) EXPECT_EQ(ev.attempt, 1);
  EXPECT_TRUE(published_lines(out.path) == numbers(n));
}

TEST(RegionFailover, DisconnectedPipelinesFailOverApart) {
  const int64_t n = 40'000;
  TempDir ckpt, out_sums, out_numbers;
  auto log = std::make_shared<Log>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  enable_recovery(*env, ckpt.path);
  env->set_parallelism(2);
  // Pipeline 1: keyed running sums (one region: the key_by joins its subtasks).
  env->from_generator<int64_t>([](int64_t i) { return i; }, n, 40'000)
      .map([](const int64_t& v) {
        return std::pair<int64_t, int64_t>{v % 5, v};
      })
      .key_by([](const std::pair<int64_t, int64_t>& kv) { return kv.first; })
      .sum<1>()
      .write_as_text(out_sums.path.string());
  // Pipeline 2: numbers through a failing map and a rebalance (the other region).
  env->from_generator<int64_t>([](int64_t i) { return i; }, n, 40'000)
      .map(FailOneSubtask(log, 1), "Failing Map")
      .rebalance()
      .write_as_text(out_numbers.path.string());
  auto jg = env->get_job_graph();
  cluster::FailoverRegions regions(*jg, false);
  ASSERT_EQ(regions.count(), 2);
  auto client = env->execute_async("two pipelines");
  client.get_job_execution_result();
  ASSERT_TRUE(log->failed.load());
  // The failing pipeline's region was redeployed; the keyed pipeline's tasks ran once.
  auto eg = client.job_master().snapshot();
  int failed_region = -1;
  for (const auto& subs : eg.vertices())
    for (const auto& ev : subs)
      if (eg.vertex_name(ev.vertex).find("Failing Map") != std::string::npos)
        failed_region = regions.region_of(ev.vertex, ev.subtask);
  ASSERT_GE(failed_region, 0);
  for (const auto& subs : eg.vertices())
    for (const auto& ev : subs)
      EXPECT_EQ(ev.attempt, regions.region_of(ev.vertex, ev.subtask) == failed_region ? 1 : 0)
          << eg.vertex_name(ev.vertex) << " " << ev.subtask;
  EXPECT_TRUE(published_lines(out_numbers.path) == numbers(n)) << "lost or duplicated records";
  // Rolling sums: exactly one line per input record, and the largest per key is the total.
  auto sums = published_lines(out_sums.path);
  EXPECT_EQ(sums.size(), static_cast<size_t>(n));
  std::map<int64_t, int64_t> last, want;
  for (const auto& line : sums) {
    auto comma = line.find(',');
    int64_t k = std::stoll(line.substr(1, comma - 1)), s = std::stoll(line.substr(comma + 1));
    last[k] = std::max(last[k], s);
  }
  for (int64_t i = 0; i < n; ++i) want[i % 5] += i;
  EXPECT_EQ(last, want);
}

}  // namespace
}  // namespace weir
