// Nexmark queries through the runner the CLI uses: stop with a savepoint part-way and resume at
// another parallelism, random task failures after checkpoints, and a named failure point, each
// compared with an uninterrupted run. q17 keeps a running aggregate per (auction, day), so a key's
// final row (the one with the most bids) is the final state: equal final rows mean no event was lost
// or counted twice. Memory sinks keep rows of every attempt, so rows after the last checkpoint may
// repeat; row sets are compared for loss only.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "it_support.h"
#include "q17_final_rows.h"
#include "weir/common/failure_points.h"
#include "weir/nexmark/query_runner.h"

namespace weir::nexmark {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using json = nlohmann::json;

constexpr int64_t kEvents = 40'000;

QueryOptions options(std::shared_ptr<CollectedResults<std::string>> lines, double tps) {
  QueryOptions o;
  o.generator.seed = 99;
  o.generator.events = kEvents;
  o.generator.rate = 1000;
  o.tps = tps;
  o.sink = SinkSpec::memory(std::move(lines));
  return o;
}

Configuration config(int parallelism) {
  Configuration c;
  c.set("parallelism.default", std::to_string(parallelism));
  return c;
}

std::map<std::pair<int64_t, std::string>, std::string> final_rows(
    const CollectedResults<std::string>& lines) {
  return testing::q17_final_rows(lines);
}

std::map<std::pair<int64_t, std::string>, std::string> uninterrupted_q17() {
  auto lines = std::make_shared<CollectedResults<std::string>>();
  run_query("q17", config(2), options(lines, 0));
  return final_rows(*lines);
}

TEST(NexmarkRecovery, Q17StoppedWithSavepointsAndResumedAtOtherParallelismsGivesTheUninterruptedResult) {
  TempDir dir;
  auto want = uninterrupted_q17();
  ASSERT_GT(want.size(), 100u);

  auto lines = std::make_shared<CollectedResults<std::string>>();
  std::string savepoint;
  const int parallelisms[] = {1, 4, 2};
  for (int run = 0; run < 3; ++run) {
    auto conf = config(parallelisms[run]);
    if (!savepoint.empty()) conf.set("execution.savepoint.path", savepoint);
    RunControl control;
    if (run < 2) {
      control.stop_with_savepoint_after_events = 10'000 * (run + 1);
      control.savepoint_dir = (dir.path / ("sp-" + std::to_string(run))).string();
    }
    auto r = run_query("q17", conf, options(lines, 40'000), control);
    if (run < 2) {
      ASSERT_FALSE(r.savepoint.empty()) << "run " << run << " ended before its savepoint";
      ASSERT_TRUE(fs::exists(fs::path(r.savepoint) / "_metadata"));
      savepoint = r.savepoint;
    } else {
      EXPECT_TRUE(r.savepoint.empty());
    }
  }
  EXPECT_EQ(final_rows(*lines), want);
}

//! q17 at parallelism 1 and 3 with two injected task failures, recovering from checkpoints taken with
//! `extra` configuration on top: the final rows are the uninterrupted run's.
void random_failures_recover(const std::vector<std::pair<std::string, std::string>>& extra) {
  TempDir dir;
  auto want = uninterrupted_q17();
  for (int p : {1, 3}) {
    auto lines = std::make_shared<CollectedResults<std::string>>();
    auto conf = config(p);
    conf.set("execution.checkpointing.interval", "30 ms");
    conf.set("execution.checkpointing.dir", (dir.path / std::to_string(p)).string());
    conf.set("restart-strategy.type", "fixed-delay");
    conf.set("restart-strategy.fixed-delay.attempts", "2");
    conf.set("restart-strategy.fixed-delay.delay", "10 ms");
    for (const auto& [k, v] : extra) conf.set(k, v);
    RunControl control;
    control.inject_failures = 2;
    control.failure_seed = 7;
    auto r = run_query("q17", conf, options(lines, 40'000), control);
    EXPECT_EQ(r.failures_injected, 2) << "parallelism " << p;
    EXPECT_EQ(r.restarts, 2) << "parallelism " << p;
    EXPECT_GE(r.checkpoints, 2) << "parallelism " << p;
    EXPECT_EQ(final_rows(*lines), want) << "parallelism " << p;
  }
}

TEST(NexmarkRecovery, RandomTaskFailuresRecoverFromCheckpointsWithTheUninterruptedState) {
  random_failures_recover({});
}

TEST(NexmarkRecovery, RocksDBFullCheckpointsRecoverFromRandomTaskFailures) {
  random_failures_recover({{"state.backend.type", "rocksdb"}});
}

TEST(NexmarkRecovery, RocksDBIncrementalCheckpointsRecoverFromRandomTaskFailures) {
  random_failures_recover(
      {{"state.backend.type", "rocksdb"}, {"execution.checkpointing.incremental", "true"}});
}

TEST(NexmarkRecovery, RocksDBTimersWithIncrementalCheckpointsRecoverFromRandomTaskFailures) {
  random_failures_recover({{"state.backend.type", "rocksdb"},
                           {"execution.checkpointing.incremental", "true"},
                           {"state.backend.rocksdb.timer-service.factory", "rocksdb"}});
}

TEST(NexmarkRecovery, HeapIncrementalCheckpointsRecoverFromRandomTaskFailures) {
  random_failures_recover({{"execution.checkpointing.incremental", "true"}});
}

// Windows and timers in incremental heap checkpoints: q5 (sliding windows, the SlidingAggregateOperator's
// own per key group bytes) and q8 (a tumbling window join: state and one event-time timer per key and
// window), with two task failures, give exactly the rows of an uninterrupted run (as sets: rows emitted
// before a failure and again after the restore are the same rows).
TEST(NexmarkRecovery, HeapIncrementalCheckpointsKeepWindowsAndTimersThroughRandomTaskFailures) {
  for (const std::string query : {"q5", "q8"}) {
    SCOPED_TRACE(query);
    auto reference = std::make_shared<CollectedResults<std::string>>();
    run_query(query, config(2), options(reference, 0));
    const auto want_rows = reference->values();
    const std::set<std::string> want(want_rows.begin(), want_rows.end());
    ASSERT_GT(want.size(), 10u);
    TempDir dir;
    auto lines = std::make_shared<CollectedResults<std::string>>();
    auto conf = config(2);
    conf.set("execution.checkpointing.interval", "30 ms");
    conf.set("execution.checkpointing.dir", dir.path.string());
    conf.set("execution.checkpointing.incremental", "true");
    conf.set("restart-strategy.type", "fixed-delay");
    conf.set("restart-strategy.fixed-delay.attempts", "2");
    conf.set("restart-strategy.fixed-delay.delay", "10 ms");
    RunControl control;
    control.inject_failures = 2;
    control.failure_seed = 11;
    auto r = run_query(query, conf, options(lines, 40'000), control);
    EXPECT_EQ(r.restarts, 2);
    EXPECT_GE(r.checkpoints, 2);
    const auto got_rows = lines->values();
    EXPECT_EQ(std::set<std::string>(got_rows.begin(), got_rows.end()), want);
  }
}

TEST(NexmarkRecovery, Q0UnderFailuresLosesNoRow) {
  TempDir dir;
  auto plain = std::make_shared<CollectedResults<std::string>>();
  run_query("q0", config(2), options(plain, 0));
  auto lines = std::make_shared<CollectedResults<std::string>>();
  auto conf = config(2);
  conf.set("execution.checkpointing.interval", "30 ms");
  conf.set("execution.checkpointing.dir", dir.path.string());
  conf.set("restart-strategy.type", "fixed-delay");
  conf.set("restart-strategy.fixed-delay.attempts", "3");
  conf.set("restart-strategy.fixed-delay.delay", "10 ms");
  RunControl control;
  control.inject_failures = 3;
  control.failure_seed = 1;
  auto r = run_query("q0", conf, options(lines, 40'000), control);
  EXPECT_EQ(r.restarts, 3);
  auto want = plain->values();
  auto got_values = lines->values();
  std::set<std::string> got(got_values.begin(), got_values.end());
  EXPECT_EQ(got, std::set<std::string>(want.begin(), want.end()));
  EXPECT_GE(got_values.size(), want.size());
}

TEST(NexmarkRecovery, Q10PartitionedFilesHoldEveryRowExactlyOnceAfterFailures) {
  // q10's sink writes a part file per minute partition (dt=/hm=) and subtask; with checkpoints the
  // visible files of a run with failures hold exactly the rows of an uninterrupted run.
  auto plain = std::make_shared<CollectedResults<std::string>>();
  QueryOptions o = options(plain, 0);
  o.generator.rate = 200;  // 200 s of event time: four minute partitions
  run_query("q10", config(2), o);
  auto want = plain->values();
  std::sort(want.begin(), want.end());

  TempDir checkpoints;
  TempDir out;
  auto conf = config(2);
  conf.set("execution.checkpointing.interval", "30 ms");
  conf.set("execution.checkpointing.dir", checkpoints.path.string());
  conf.set("restart-strategy.type", "fixed-delay");
  conf.set("restart-strategy.fixed-delay.attempts", "2");
  conf.set("restart-strategy.fixed-delay.delay", "10 ms");
  RunControl control;
  control.inject_failures = 2;
  control.failure_seed = 5;
  o.tps = 40'000;
  o.sink = SinkSpec::directory(out.path.string());
  auto r = run_query("q10", conf, o, control);
  EXPECT_EQ(r.restarts, 2);

  std::vector<std::string> got;
  std::set<std::string> partitions;
  for (const auto& e : fs::recursive_directory_iterator(out.path)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.starts_with(".") || name.starts_with("_")) continue;
    std::string hm = e.path().parent_path().filename().string();
    std::string dt = e.path().parent_path().parent_path().filename().string();
    partitions.insert(dt + "/" + hm);
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      json row = json::parse(line);
      EXPECT_EQ("dt=" + row.at("dt").get<std::string>(), dt);
      EXPECT_EQ("hm=" + row.at("hm").get<std::string>(), hm);
      got.push_back(line);
    }
  }
  std::sort(got.begin(), got.end());
  EXPECT_GE(partitions.size(), 3u);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the partitioned files do not hold the uninterrupted run's rows exactly once";
}

TEST(NexmarkRecovery, NamedFailurePointBeforeASnapshotFailsTheTaskAndTheJobRecovers) {
  TempDir dir;
  auto want = uninterrupted_q17();
  auto lines = std::make_shared<CollectedResults<std::string>>();
  auto conf = config(2);
  conf.set("execution.checkpointing.interval", "30 ms");
  conf.set("execution.checkpointing.dir", dir.path.string());
  conf.set("restart-strategy.type", "fixed-delay");
  conf.set("restart-strategy.fixed-delay.attempts", "1");
  conf.set("restart-strategy.fixed-delay.delay", "10 ms");
  FailurePoints::arm("task.before-snapshot", 8);  // some tasks' snapshots succeed first
  auto r = run_query("q17", conf, options(lines, 40'000));
  EXPECT_EQ(FailurePoints::fired("task.before-snapshot"), 1);
  FailurePoints::disarm_all();
  EXPECT_EQ(r.restarts, 1);
  EXPECT_EQ(final_rows(*lines), want);
}

TEST(NexmarkRecovery, FailurePointsAreInertUntilArmedAndFireOnTheirNthHit) {
  EXPECT_NO_THROW(FailurePoints::check("test.point"));
  FailurePoints::arm("test.point", 3, 2);
  EXPECT_NO_THROW(FailurePoints::check("test.point"));
  EXPECT_NO_THROW(FailurePoints::check("test.other"));
  EXPECT_NO_THROW(FailurePoints::check("test.point"));
  EXPECT_THROW(FailurePoints::check("test.point"), InjectedFailure);
  EXPECT_THROW(WEIR_FAILURE_POINT("test.point"), InjectedFailure);
  EXPECT_NO_THROW(FailurePoints::check("test.point"));
  EXPECT_EQ(FailurePoints::hits("test.point"), 4);
  EXPECT_EQ(FailurePoints::fired("test.point"), 2);
  FailurePoints::disarm_all();
}

}  // namespace
}  // namespace weir::nexmark
