// Unaligned checkpoints on the MiniCluster: under heavy backpressure they complete while aligned ones
// time out; the in-flight data they persist is replayed after a failure so output stays exactly
// once; aligned-checkpoint-timeout switches a stuck aligned checkpoint to unaligned; and a checkpoint
// holding in-flight data refuses to restore at another parallelism.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::eventually;
using testing::published_lines;
using testing::TempDir;

//! Sleeps per record: the bottleneck that fills every buffer upstream of it.
class SlowMap : public MapFunction<int64_t, int64_t> {
 public:
  explicit SlowMap(std::chrono::microseconds pause) : pause_(pause) {}
  int64_t map(const int64_t& v) override {
    std::this_thread::sleep_for(pause_);
    return v;
  }

 private:
  std::chrono::microseconds pause_;
};

void configure_checkpoints(StreamExecutionEnvironment& env, const fs::path& dir, bool unaligned) {
  env.configure("execution.checkpointing.interval", "200 ms");
  env.configure("execution.checkpointing.dir", dir.string());
  env.configure("execution.checkpointing.timeout", "1 s");
  env.configure("execution.checkpointing.tolerable-failed-checkpoints", "1000");
  env.configure("execution.checkpointing.unaligned.enabled", unaligned ? "true" : "false");
}

// Two unthrottled sources feed one subtask that needs 100 us per record: every buffer between them
// stays full, and a barrier queued behind them waits seconds to be reached in order.
void backpressured_job(StreamExecutionEnvironment& env) {
  env.from_generator<int64_t>([](int64_t i) { return i; }, 1'000'000'000)
      .set_parallelism(2)
      .rebalance()
      .map(SlowMap(std::chrono::microseconds(100)), "Slow Map")
      .set_parallelism(1)
      .filter([](const int64_t&) { return false; })
      .collect();
}

TEST(UnalignedCheckpoints, CompleteUnderBackpressureWhileAlignedOnesTimeOut) {
  {
    TempDir dir;
    auto env = StreamExecutionEnvironment::get_execution_environment();
    configure_checkpoints(*env, dir.path, /*unaligned=*/false);
    backpressured_job(*env);
    auto client = env->execute_async("aligned under backpressure");
    // Aligned: barriers wait behind the full buffers; checkpoints time out one after the other.
    ASSERT_TRUE(eventually([&] { return client.job_master().checkpoint_stats().failed >= 2; }));
    EXPECT_EQ(client.job_master().checkpoint_stats().completed, 0);
    client.cancel();
    EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
  }
  {
    TempDir dir;
    auto env = StreamExecutionEnvironment::get_execution_environment();
    configure_checkpoints(*env, dir.path, /*unaligned=*/true);
    backpressured_job(*env);
    auto client = env->execute_async("unaligned under backpressure");
    ASSERT_TRUE(eventually([&] { return client.job_master().checkpoint_stats().completed >= 3; }));
    auto stats = client.job_master().checkpoint_stats();
    EXPECT_EQ(stats.completed_unaligned, stats.completed);
    // The data the barriers overtook was persisted with the checkpoints.
    EXPECT_GT(stats.in_flight_bytes, 0u);
    client.cancel();
    EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
  }
}

TEST(UnalignedCheckpoints, AlignedCheckpointTimeoutSwitchesOnlyStuckCheckpoints) {
  {
    // Backpressured: no barrier is reached in order within 100 ms, so every checkpoint turns unaligned.
    TempDir dir;
    auto env = StreamExecutionEnvironment::get_execution_environment();
    configure_checkpoints(*env, dir.path, /*unaligned=*/true);
    env->configure("execution.checkpointing.aligned-checkpoint-timeout", "100 ms");
    backpressured_job(*env);
    auto client = env->execute_async("aligned timeout under backpressure");
    ASSERT_TRUE(eventually([&] { return client.job_master().checkpoint_stats().completed >= 2; }));
    auto stats = client.job_master().checkpoint_stats();
    EXPECT_GE(stats.completed_unaligned, 1);
    EXPECT_GT(stats.in_flight_bytes, 0u);
    client.cancel();
    EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
  }
  {
    // No backpressure: barriers arrive well within the timeout and checkpoints stay aligned.
    TempDir dir;
    auto env = StreamExecutionEnvironment::get_execution_environment();
    configure_checkpoints(*env, dir.path, /*unaligned=*/true);
    env->configure("execution.checkpointing.interval", "20 ms");
    env->configure("execution.checkpointing.aligned-checkpoint-timeout", "10 s");
    env->set_parallelism(2);
    auto out = env->from_generator<int64_t>([](int64_t i) { return i; }, 20'000, 20'000)
                   .rebalance()
                   .map([](const int64_t& v) { return v + 1; })
                   .collect();
    auto client = env->execute_async("aligned timeout without backpressure");
    client.get_job_execution_result();
    auto stats = client.job_master().checkpoint_stats();
    EXPECT_GE(stats.completed, 3);
    EXPECT_EQ(stats.completed_unaligned, 0);
    EXPECT_EQ(stats.in_flight_bytes, 0u);
    EXPECT_EQ(out->values().size(), 20'000u);
  }
}

//! Throws once per attempt after a checkpoint that persisted in-flight data completed, until
//! `failures` failures were injected in total.
class FailAfterUnalignedCheckpoint : public MapFunction<int64_t, int64_t>, public CheckpointListener {
 public:
  FailAfterUnalignedCheckpoint(std::shared_ptr<std::atomic<int>> injected, int failures)
      : injected_(std::move(injected)), failures_(failures) {}
  void notify_checkpoint_complete(int64_t) override { ++completed_; }
  int64_t map(const int64_t& v) override {
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    // A checkpoint into this attempt, taken under backpressure: it holds in-flight data.
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

class UnalignedRecovery : public ::testing::TestWithParam<int> {};

TEST_P(UnalignedRecovery, InFlightDataIsReplayedExactlyOnceAfterFailures) {
  const int p = GetParam();
  const int64_t n = 80'000;
  TempDir dir, out_dir;
  auto injected = std::make_shared<std::atomic<int>>(0);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(p);
  configure_checkpoints(*env, dir.path, /*unaligned=*/true);
  env->configure("execution.checkpointing.interval", "50 ms");
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "10");
  env->configure("restart-strategy.fixed-delay.delay", "0 ms");
  env->from_generator<int64_t>([](int64_t i) { return i; }, n)
      .rebalance()
      .map(FailAfterUnalignedCheckpoint(injected, 2), "Failing Slow Map")
      .rebalance()
      .write_as_text(out_dir.path.string());
  auto client = env->execute_async("unaligned exactly-once files");
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

INSTANTIATE_TEST_SUITE_P(Parallelism, UnalignedRecovery, ::testing::Values(1, 2));

// Rolling sums per key over a slow keyed reduce, written exactly once. The reduce's input is
// hash-partitioned, so a rescaled restore must give each new subtask the in-flight records of its key
// groups, and nothing else.
void rescale_job(StreamExecutionEnvironment& env, int64_t n, int parallelism, const fs::path& out) {
  using KV = std::pair<int64_t, int64_t>;
  env.set_parallelism(parallelism);
  env.from_generator<KV>(
         [](int64_t i) {
           return KV{i % 50, i};
         },
         n)
      .set_parallelism(2)
      .key_by([](const KV& kv) { return kv.first; })
      .reduce([](const KV& a, const KV& b) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        return KV{a.first, a.second + b.second};
      })
      .map([](const KV& kv) { return std::to_string(kv.first) + "," + std::to_string(kv.second); })
      .write_as_text(out.string());
}

TEST(UnalignedCheckpoints, InFlightDataIsRedistributedWhenRescaling) {
  const int64_t n = 40'000;
  TempDir dir, resumed_dir, out;
  std::string retained;
  {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    configure_checkpoints(*env, dir.path, /*unaligned=*/true);
    env->configure("execution.checkpointing.interval", "100 ms");
    env->configure("execution.checkpointing.externalized-checkpoint-retention", "retain_on_cancellation");
    rescale_job(*env, n, 1, out.path);
    auto client = env->execute_async("unaligned, retained");
    ASSERT_TRUE(eventually([&] {
      auto s = client.job_master().checkpoint_stats();
      return s.latest && s.latest->in_flight_bytes > 0;
    }));
    client.cancel();
    EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
    auto latest = client.job_master().checkpoint_stats().latest;
    ASSERT_TRUE(latest && latest->in_flight_bytes > 0);
    retained = latest->path;
  }
  {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    configure_checkpoints(*env, resumed_dir.path, /*unaligned=*/true);
    env->configure("execution.savepoint.path", retained);
    env->configure("restart-strategy.type", "none");
    rescale_job(*env, n, 2, out.path);
    env->execute("unaligned, resumed at parallelism 2");
  }
  // Rolling sums only grow, so each key's largest published sum is its final one: a lost record makes
  // it smaller, a repeated one larger.
  std::map<int64_t, int64_t> want, got;
  for (int64_t i = 0; i < n; ++i) want[i % 50] += i;
  for (const auto& line : published_lines(out.path)) {
    auto comma = line.find(',');
    int64_t k = std::stoll(line.substr(0, comma));
    got[k] = std::max<int64_t>(got[k], std::stoll(line.substr(comma + 1)));
  }
  EXPECT_EQ(got, want);
}

// Checkpoints every few milliseconds, so that some start while inputs are ending: a task must not take
// a barrier that follows its channel's end of data ahead of another channel's last records, or its
// final checkpoint never comes once the sources are gone.
TEST(UnalignedCheckpoints, BoundedJobsFinishWhenCheckpointsMeetTheEndOfInput) {
  for (int run = 0; run < 8; ++run) {
    TempDir dir;
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(2);
    configure_checkpoints(*env, dir.path, /*unaligned=*/true);
    env->configure("execution.checkpointing.interval", "2 ms");
    const int64_t n = 30'000 + run * 1'000;
    auto out = env->from_generator<int64_t>([](int64_t i) { return i; }, n)
                   .key_by([](const int64_t& v) { return v % 7; })
                   .reduce([](const int64_t& a, const int64_t& b) { return a + b; })
                   .rebalance()
                   .map([](const int64_t& v) { return v; })
                   .collect();
    auto client = env->execute_async("unaligned bounded job");
    ASSERT_TRUE(eventually([&] { return cluster::is_terminal(client.job_master().status()); }))
        << "run " << run << ": the job did not finish";
    client.get_job_execution_result();
    EXPECT_EQ(out->values().size(), static_cast<size_t>(n)) << "run " << run;
  }
}

TEST(UnalignedCheckpoints, NeedExactlyOnceMode) {
  TempDir dir;
  auto env = StreamExecutionEnvironment::get_execution_environment();
  configure_checkpoints(*env, dir.path, /*unaligned=*/true);
  env->configure("execution.checkpointing.mode", "at_least_once");
  env->from_generator<int64_t>([](int64_t i) { return i; }, 10).collect();
  try {
    env->execute("unaligned at least once");
    FAIL() << "expected a configuration error";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("execution.checkpointing.unaligned.enabled"), std::string::npos);
  }
}

}  // namespace
}  // namespace weir
