// Checkpoints and savepoints on a real S3-compatible server (s3proxy on loopback): Nexmark q17 under
// random task failures recovers from checkpoints on s3:// with the uninterrupted result (heap, RocksDB
// full and incremental); a savepoint on s3:// resumes at other parallelisms; and a subtask restoring at
// a new parallelism reads only its share of the checkpoint (the heads and its key groups' ranges).
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "it/it_support.h"
#include "it/q17_final_rows.h"
#include "support/s3_server.h"
#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/fs/file_system.h"
#include "weir/nexmark/query_runner.h"

namespace weir::nexmark {
namespace {

using weir::testing::S3ServerEnvironment;
constexpr int64_t kEvents = 40'000;

std::string s3_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("s3://") + S3ServerEnvironment::kBucket + "/" + info->name() + "/" + name;
}

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
  Configuration c = S3ServerEnvironment::server().config();
  c.set("parallelism.default", std::to_string(parallelism));
  fs::configure(c);
  return c;
}

using weir::testing::q17_final_rows;

const std::map<std::pair<int64_t, std::string>, std::string>& uninterrupted_q17() {
  static const auto rows = [] {
    auto lines = std::make_shared<CollectedResults<std::string>>();
    Configuration c;
    c.set("parallelism.default", "2");
    run_query("q17", c, options(lines, 0));
    return q17_final_rows(*lines);
  }();
  return rows;
}

void random_failures_recover(const std::vector<std::pair<std::string, std::string>>& extra) {
  const auto& want = uninterrupted_q17();
  ASSERT_GT(want.size(), 100u);
  for (int p : {1, 3}) {
    auto lines = std::make_shared<CollectedResults<std::string>>();
    auto conf = config(p);
    conf.set("execution.checkpointing.interval", "50 ms");
    conf.set("execution.checkpointing.dir", s3_dir("p" + std::to_string(p)));
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
    EXPECT_EQ(q17_final_rows(*lines), want) << "parallelism " << p;
  }
}

TEST(CheckpointsOnS3, HeapStateRecoversFromRandomTaskFailures) {
  random_failures_recover({});
}

TEST(CheckpointsOnS3, HeapIncrementalCheckpointsRecoverFromRandomTaskFailures) {
  random_failures_recover({{"execution.checkpointing.incremental", "true"}});
}

TEST(CheckpointsOnS3, RocksDBFullCheckpointsRecoverFromRandomTaskFailures) {
  random_failures_recover({{"state.backend.type", "rocksdb"}});
}

TEST(CheckpointsOnS3, RocksDBIncrementalCheckpointsRecoverFromRandomTaskFailures) {
  random_failures_recover(
      {{"state.backend.type", "rocksdb"}, {"execution.checkpointing.incremental", "true"}});
}

// Local recovery with checkpoints on S3: restarted subtasks restore from their TaskManager's local copies
// and read nothing from S3, on the heap and the RocksDB backend, full and incremental (whose SST files
// and chain parts in shared/ have local copies too).
TEST(CheckpointsOnS3, WithLocalRecoveryRestoresReadNothingFromS3) {
  const auto& want = uninterrupted_q17();
  for (const std::string mode : {"hashmap", "rocksdb", "hashmap-incremental", "rocksdb-incremental"}) {
    const std::string backend = mode.substr(0, mode.find('-'));
    auto lines = std::make_shared<CollectedResults<std::string>>();
    auto conf = config(2);
    conf.set("state.backend.type", backend);
    conf.set("execution.checkpointing.incremental", mode == backend ? "false" : "true");
    conf.set("execution.state-recovery.from-local", "true");
    conf.set("execution.checkpointing.interval", "50 ms");
    conf.set("execution.checkpointing.dir", s3_dir(mode));
    conf.set("restart-strategy.type", "fixed-delay");
    conf.set("restart-strategy.fixed-delay.attempts", "2");
    conf.set("restart-strategy.fixed-delay.delay", "10 ms");
    RunControl control;
    control.inject_failures = 2;
    control.failure_seed = 7;
    auto r = run_query("q17", conf, options(lines, 40'000), control);
    EXPECT_EQ(r.failures_injected, 2) << mode;
    EXPECT_GT(r.restored_subtasks, 0) << mode;
    EXPECT_EQ(r.restored_local_subtasks, r.restored_subtasks) << mode;
    EXPECT_EQ(r.restored_bytes_remote, 0u) << mode;
    EXPECT_GT(r.restored_bytes_local, 0u) << mode;
    EXPECT_EQ(q17_final_rows(*lines), want) << mode;
  }
}

TEST(CheckpointsOnS3, SavepointsResumeAtOtherParallelismsAndEachSubtaskReadsOnlyItsShare) {
  const auto& want = uninterrupted_q17();
  auto lines = std::make_shared<CollectedResults<std::string>>();
  std::string savepoint;
  const int parallelisms[] = {2, 4, 1};
  for (int run = 0; run < 3; ++run) {
    auto conf = config(parallelisms[run]);
    if (!savepoint.empty()) conf.set("execution.savepoint.path", savepoint);
    RunControl control;
    if (run < 2) {
      control.stop_with_savepoint_after_events = 10'000 * (run + 1);
      control.savepoint_dir = s3_dir("sp-" + std::to_string(run));
    }
    auto r = run_query("q17", conf, options(lines, 40'000), control);
    if (run == 2) break;
    ASSERT_FALSE(r.savepoint.empty()) << "run " << run << " ended before its savepoint";
    savepoint = r.savepoint;
    ASSERT_EQ(savepoint.rfind("s3://", 0), 0u) << savepoint;
    if (run != 0) continue;

    // The savepoint of p=2 restored at p=4: what each new subtask of the keyed vertex reads.
    auto c = checkpoint::load_checkpoint(savepoint);
    const checkpoint::VertexInfo* keyed = nullptr;
    uint64_t keyed_bytes = 0;
    for (const auto& v : c.metadata.vertices)
      for (const auto& t : c.metadata.tasks)
        for (const auto& op : t.operators)
          if (t.vertex == v.vertex && !op.key_groups.empty() && !keyed) keyed = &v;
    ASSERT_NE(keyed, nullptr) << "q17 has keyed state";
    uint64_t files_bytes = 0;
    for (const auto& t : c.metadata.tasks)
      if (t.vertex == keyed->vertex) {
        files_bytes += t.size;
        for (const auto& op : t.operators)
          if (!op.key_groups.empty())
            keyed_bytes += op.key_groups.offsets.back() - op.key_groups.offsets.front();
      }
    ASSERT_GT(keyed_bytes, 0u);
    uint64_t keyed_read = 0;
    std::set<KeyGroup> seen;
    for (int i = 0; i < 4; ++i) {
      auto range = key_group_range_for_subtask(keyed->max_parallelism, 4, i);
      auto handles = checkpoint::restore_handles_for(c, keyed->operator_ids, range);
      auto restored = checkpoint::read_task_restore(handles, range);
      uint64_t heads = 0;
      for (const auto& t : handles.metadata.tasks) heads += t.head_length;
      for (const auto& t : restored.tasks)
        for (const auto& op : t.operators)
          for (const auto& [kg, bytes] : op.keyed) {
            if (kg == checkpoint::kNativeKeyedState) continue;
            EXPECT_TRUE(range.contains(kg)) << "subtask " << i << " got key group " << kg;
            EXPECT_TRUE(seen.insert(kg).second) << "key group " << kg << " restored twice";
          }
      // It read the heads and its key groups' blocks, and nothing else.
      EXPECT_GE(restored.bytes_read, heads);
      keyed_read += restored.bytes_read - heads;
      EXPECT_LT(restored.bytes_read, files_bytes / 2) << "subtask " << i << " read more than its share";
    }
    EXPECT_EQ(keyed_read, keyed_bytes) << "the key groups were read exactly once over all new subtasks";
    EXPECT_EQ(static_cast<int>(seen.size()), keyed->max_parallelism);
  }
  EXPECT_EQ(q17_final_rows(*lines), want);
}

TEST(CheckpointsOnS3, AMissingBucketIsAClearError) {
  auto lines = std::make_shared<CollectedResults<std::string>>();
  auto conf = config(1);
  conf.set("execution.checkpointing.interval", "50 ms");
  conf.set("execution.checkpointing.dir", "s3://no-such-bucket/chk");
  conf.set("execution.checkpointing.tolerable-failed-checkpoints", "0");
  conf.set("restart-strategy.type", "none");
  try {
    run_query("q17", conf, options(lines, 40'000));
    FAIL() << "a job checkpointing into a missing bucket succeeded";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-bucket"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace weir::nexmark

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::S3ServerEnvironment);
  return RUN_ALL_TESTS();
}
