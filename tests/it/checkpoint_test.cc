// Checkpoints and recovery on the MiniCluster: failures injected after a checkpoint completed, and
// the job's final keyed state compared with a reference computed without failures.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::published_lines;
using testing::TempDir;

//! Shared across attempts: how many failures were injected, and what later attempts saw first.
struct FailureLog {
  std::atomic<int> injected{0};
  std::atomic<int> opened{0};
  std::mutex mu;
  std::vector<std::pair<int, int64_t>> first_seen;  // (open order, first value)
};

//! Passes records through; after a checkpoint completed, throws once per attempt until `failures`
//! failures have been injected in total.
class FailAfterCheckpoint : public MapFunction<int64_t, int64_t>, public CheckpointListener {
 public:
  FailAfterCheckpoint(std::shared_ptr<FailureLog> log, int failures)
      : log_(std::move(log)), failures_(failures) {}
  void open(RuntimeContext&) override { order_ = log_->opened++; }
  void notify_checkpoint_complete(int64_t) override { checkpointed_ = true; }
  int64_t map(const int64_t& v) override {
    if (first_) {
      std::lock_guard lock(log_->mu);
      log_->first_seen.emplace_back(order_, v);
      first_ = false;
    }
    if (checkpointed_ && log_->injected.load() < failures_) {
      if (log_->injected.fetch_add(1) < failures_) throw std::runtime_error("injected failure");
    }
    return v;
  }

 private:
  std::shared_ptr<FailureLog> log_;
  int failures_;
  int order_ = 0;
  bool first_ = true;
  bool checkpointed_ = false;
};

std::map<int64_t, int64_t> reference_sums(int64_t n) {
  std::map<int64_t, int64_t> m;
  for (int64_t i = 0; i < n; ++i) m[i % 10] += i;
  return m;
}

std::map<int64_t, int64_t> final_sums(const CollectedResults<std::pair<int64_t, int64_t>>& r) {
  // Rolling sums only grow, so the largest value per key is its final one (replays may repeat rows).
  std::map<int64_t, int64_t> m;
  for (const auto& [k, s] : r.values()) m[k] = std::max(m[k], s);
  return m;
}

// Checkpoints every 30 ms into `dir`, and up to 10 immediate restarts.
void enable_recovery(StreamExecutionEnvironment& env, const fs::path& dir) {
  env.configure("execution.checkpointing.interval", "30 ms");
  env.configure("execution.checkpointing.dir", dir.string());
  env.configure("restart-strategy.type", "fixed-delay");
  env.configure("restart-strategy.fixed-delay.attempts", "10");
  env.configure("restart-strategy.fixed-delay.delay", "0 ms");
}

// Records 0..n-1 (paced), a map that injects `failures` failures, then a rolling sum per v % 10.
std::shared_ptr<CollectedResults<std::pair<int64_t, int64_t>>> keyed_sum_job(StreamExecutionEnvironment& env,
                                                                             int64_t n,
                                                                             std::shared_ptr<FailureLog> log,
                                                                             int failures) {
  return env.from_generator<int64_t>([](int64_t i) { return i; }, n, 40'000)
      .map(FailAfterCheckpoint(std::move(log), failures), "Failing Map")
      .map([](const int64_t& v) {
        return std::pair<int64_t, int64_t>{v % 10, v};
      })
      .key_by([](const std::pair<int64_t, int64_t>& kv) { return kv.first; })
      .sum<1>()
      .collect();
}

class Checkpointing : public testing::BackendFixture {};

TEST_P(Checkpointing, KeyedSumIsExactAfterFailuresAndSourcesResume) {
  const int p = parallelism();
  const int64_t n = 60'000;
  TempDir dir;
  auto log = std::make_shared<FailureLog>();
  auto env = testing::environment();
  env->set_parallelism(p);
  enable_recovery(*env, dir.path);
  auto out = keyed_sum_job(*env, n, log, 2);
  auto client = env->execute_async("keyed sum");
  client.get_job_execution_result();
  EXPECT_EQ(log->injected.load(), 2);
  // Two subtasks may fail in the same attempt at parallelism 4: one restart or two (and a subtask
  // that throws while already being canceled is reported as canceled, not failed).
  EXPECT_GE(client.job_master().attempt(), 1);
  EXPECT_GE(client.job_master().exception_history().size(), 1u);
  EXPECT_LE(client.job_master().exception_history().size(), 2u);
  EXPECT_GE(client.job_master().checkpoint_stats().completed, 2);
  EXPECT_EQ(final_sums(*out), reference_sums(n));
  // Later attempts resumed the source from a checkpoint instead of starting over: some subtask of a
  // later attempt began past the first record of its stride (records 0..p-1).
  bool resumed = false;
  for (const auto& [order, first] : log->first_seen)
    if (order >= p && first >= p) resumed = true;
  EXPECT_TRUE(resumed);
}

TEST_P(Checkpointing, AtLeastOnceNeverLosesRecords) {
  const int p = parallelism();
  const int64_t n = 40'000;
  TempDir dir;
  auto log = std::make_shared<FailureLog>();
  auto env = testing::environment();
  env->set_parallelism(p);
  enable_recovery(*env, dir.path);
  env->configure("execution.checkpointing.mode", "at_least_once");
  auto out = keyed_sum_job(*env, n, log, 1);
  env->execute("at least once");
  auto got = final_sums(*out);
  auto want = reference_sums(n);
  for (const auto& [k, s] : want) EXPECT_GE(got[k], s) << "key " << k;
}

TEST_P(Checkpointing, FileSinkIsExactlyOnceEndToEnd) {
  const int p = parallelism();
  const int64_t n = 40'000;
  TempDir dir, out_dir;
  auto log = std::make_shared<FailureLog>();
  auto env = testing::environment();
  env->set_parallelism(p);
  enable_recovery(*env, dir.path);
  env->from_generator<int64_t>([](int64_t i) { return i; }, n, 40'000)
      .map(FailAfterCheckpoint(log, 2), "Failing Map")
      .rebalance()
      .write_as_text(out_dir.path.string());
  env->execute("exactly-once files");
  EXPECT_EQ(log->injected.load(), 2);
  std::multiset<std::string> want;
  for (int64_t i = 0; i < n; ++i) want.insert(std::to_string(i));
  auto got = published_lines(out_dir.path);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "published output differs from the input (lost or duplicated lines)";
  // Nothing is left hidden: in-progress files of failed attempts were removed, pending ones published.
  for (const auto& e : fs::directory_iterator(out_dir.path))
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

//! Shared across attempts by the two subtasks of UnevenReader.
struct UnevenLog {
  std::atomic<bool> short_done{false};  // subtask 0 read all its records
  std::atomic<int> completed_after{0};  // checkpoints subtask 1 saw complete after that
  std::atomic<int> injected{0};
};

//! Subtask 0 reads 0..99 and ends. Subtask 1 reads 1'000'000..1'002'999, then waits; once four checkpoints
//! completed after subtask 0 ended (the later ones without it: a finished task takes no part), it fails
//! once, and ends after the restart. Splits: one (next index) while unfinished.
class UnevenReader final : public SourceReader<int64_t> {
 public:
  explicit UnevenReader(std::shared_ptr<UnevenLog> log) : log_(std::move(log)) {}
  void open(const SourceContext& ctx) override {
    subtask_ = ctx.subtask_index;
    next_ = subtask_ == 0 ? 0 : 1'000'000;
    end_ = subtask_ == 0 ? 100 : 1'003'000;
  }
  InputStatus poll_next(SourceOutput<int64_t>& out, int max_records) override {
    for (int i = 0; i < max_records && next_ < end_; ++i) out.collect(next_++);
    if (next_ < end_) return InputStatus::kMoreAvailable;
    if (subtask_ == 0) {
      log_->short_done = true;
      return InputStatus::kEndOfInput;
    }
    if (log_->injected.load() > 0) return InputStatus::kEndOfInput;
    if (log_->completed_after.load() >= 4) {
      log_->injected.fetch_add(1);
      throw std::runtime_error("injected failure after the short subtask finished");
    }
    return InputStatus::kNothingAvailable;
  }
  std::optional<std::vector<std::string>> snapshot_splits() override {
    if (next_ >= end_ && subtask_ == 0) return std::vector<std::string>{};
    return std::vector<std::string>{std::to_string(next_)};
  }
  void restore_splits(const std::vector<std::string>& splits) override {
    next_ = end_;  // nothing restored: nothing left
    for (const auto& s : splits) next_ = std::stoll(s);
  }
  void notify_checkpoint_complete(int64_t) override {
    if (subtask_ == 1 && log_->short_done.load()) log_->completed_after.fetch_add(1);
  }

 private:
  std::shared_ptr<UnevenLog> log_;
  int subtask_ = 0;
  int64_t next_ = 0;
  int64_t end_ = 0;
};

// A restored source subtask whose splits had all ended (Flink: FINISHED_ON_RESTORE) reads nothing again;
// it used to start over when the checkpoint held no part of it (the Python API's fault-tolerance test
// counted one subtask's records twice in CI).
TEST_P(Checkpointing, ASourceSubtaskThatEndedIsNotReadAgainAfterARestore) {
  TempDir dir;
  auto log = std::make_shared<UnevenLog>();
  auto env = testing::environment();
  env->set_parallelism(parallelism());
  enable_recovery(*env, dir.path);
  auto out = env->from_source<int64_t>([log] { return std::make_unique<UnevenReader>(log); }, "Uneven", 2)
                 .map([](const int64_t& v) {
                   return std::pair<int64_t, int64_t>{v % 10, v};
                 })
                 .key_by([](const std::pair<int64_t, int64_t>& kv) { return kv.first; })
                 .sum<1>()
                 .collect();
  auto client = env->execute_async("uneven sources");
  client.get_job_execution_result();
  EXPECT_EQ(log->injected.load(), 1);
  EXPECT_GE(client.job_master().attempt(), 1);
  std::map<int64_t, int64_t> want;
  for (int64_t v = 0; v < 100; ++v) want[v % 10] += v;
  for (int64_t v = 1'000'000; v < 1'003'000; ++v) want[v % 10] += v;
  EXPECT_EQ(final_sums(*out), want);
}

TEST(CheckpointingRestart, FailsOnceTheRestartStrategyIsExhausted) {
  TempDir dir;
  auto log = std::make_shared<FailureLog>();
  auto env = testing::environment();
  env->configure("execution.checkpointing.interval", "20 ms");
  env->configure("execution.checkpointing.dir", dir.path.string());
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "2");
  env->configure("restart-strategy.fixed-delay.delay", "0 ms");
  env->from_generator<int64_t>([](int64_t i) { return i; }, 1'000'000, 50'000)
      .map(FailAfterCheckpoint(log, 100), "Always Failing Map")
      .collect();
  try {
    env->execute("exhausted");
    FAIL() << "the job should have failed";
  } catch (const JobExecutionError& e) {
    EXPECT_NE(std::string(e.what()).find("injected failure"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("after 2 restarts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(log->injected.load(), 3);
}

//! Holds the records of a map until the test releases it.
struct Latch {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
  }
};

// A barrier stuck behind records: the map holds its first record until the test releases it, so the
// first checkpoint cannot complete and times out (100 ms). With no tolerance the job fails over (and, with
// restart strategy none, fails naming the timeout); with tolerance it carries on. The map runs in its own
// task (rebalance), so the barrier waits in its input behind records already sent: a source chained with
// the map would take the barrier between two records.
void run_with_held_records(StreamExecutionEnvironment& env, const fs::path& dir,
                           std::shared_ptr<Latch> held) {
  env.configure("execution.checkpointing.interval", "50 ms");
  env.configure("execution.checkpointing.timeout", "100 ms");
  env.configure("execution.checkpointing.dir", dir.string());
  env.from_sequence(1, 50)
      .rebalance()
      .map([held](const int64_t& v) {
        held->wait();
        return v;
      })
      .collect();
}

//! Waits until a checkpoint of `client`'s job failed (or the job left RUNNING), then releases `held`.
void release_after_a_failed_checkpoint(JobClient& client, Latch& held) {
  EXPECT_TRUE(testing::eventually([&] {
    return client.job_master().checkpoint_stats().failed >= 1 ||
           client.get_job_status() != JobStatus::kRunning;
  }));
  held.release();
}

TEST(CheckpointingTimeout, TimedOutCheckpointFailsTheJobBeyondTolerance) {
  TempDir dir;
  auto env = testing::environment();
  env->configure("restart-strategy.type", "none");
  auto held = std::make_shared<Latch>();
  run_with_held_records(*env, dir.path, held);
  auto client = env->execute_async("held");
  release_after_a_failed_checkpoint(client, *held);
  try {
    client.get_job_execution_result();
    FAIL() << "the job should have failed on the checkpoint timeout";
  } catch (const JobExecutionError& e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
  }
}

TEST(CheckpointingTimeout, TolerableFailuresLetTheJobFinish) {
  TempDir dir;
  auto env = testing::environment();
  env->configure("restart-strategy.type", "none");
  env->configure("execution.checkpointing.tolerable-failed-checkpoints", "1000");
  auto held = std::make_shared<Latch>();
  run_with_held_records(*env, dir.path, held);
  auto client = env->execute_async("held but tolerated");
  release_after_a_failed_checkpoint(client, *held);
  client.get_job_execution_result();
  EXPECT_GE(client.job_master().checkpoint_stats().failed, 1);
}

TEST(CheckpointingConfig, IntervalWithoutDirectoryIsAClearError) {
  auto env = testing::environment();
  env->configure("execution.checkpointing.interval", "1 s");
  env->from_sequence(1, 10).collect();
  try {
    env->execute("no dir");
    FAIL();
  } catch (const JobExecutionError& e) {
    EXPECT_NE(std::string(e.what()).find("execution.checkpointing.dir"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Checkpointing,
                         ::testing::Combine(::testing::Values(1, 4),
                                            ::testing::ValuesIn(testing::kStateBackends)),
                         testing::backend_param_name);

}  // namespace
}  // namespace weir
