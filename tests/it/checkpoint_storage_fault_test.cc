// A checkpoint whose file cannot be made durable (an fsync, rename or upload fails at commit) fails, on
// a real job: the task declines it, the JobManager counts it failed with the file system's reason, and
// later checkpoints complete. Nothing passes in silence.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "it_support.h"
#include "weir/fs/fault_injecting_file_system.h"
#include "weir/fs/local_file_system.h"
#include "weir/weir.h"

namespace weir {
namespace {

using testing::TempDir;

TEST(CheckpointStorageFaults, AFailingCommitFailsItsCheckpointAndLaterOnesComplete) {
  TempDir dir;
  auto faulty = std::make_shared<fs::FaultInjectingFileSystem>(std::make_shared<fs::LocalFileSystem>());
  faulty->inject(fs::FsOp::kCommit, 1, fs::Fault::kFail);  // the first file of the first checkpoint
  fs::set_for_testing("file", faulty);
  auto env = testing::environment();
  env->configure("execution.checkpointing.interval", "20 ms");
  env->configure("execution.checkpointing.dir", dir.path.string());
  env->configure("execution.checkpointing.tolerable-failed-checkpoints", "1000");
  env->configure("restart-strategy.type", "none");
  auto out = env->from_generator<int64_t>([](int64_t i) { return i; }, 20'000, 40'000)
                 .key_by([](const int64_t& v) { return v % 10; })
                 .reduce([](const int64_t& a, const int64_t& b) { return a + b; })
                 .collect();
  auto client = env->execute_async("failing commit");
  client.get_job_execution_result();
  fs::set_for_testing("file", nullptr);
  const auto stats = client.job_master().checkpoint_stats();
  EXPECT_GE(stats.failed, 1);
  ASSERT_TRUE(stats.latest_failed);
  EXPECT_NE(stats.latest_failed->reason.find("injected fault"), std::string::npos)
      << stats.latest_failed->reason;
  EXPECT_GE(stats.completed, 1);
  EXPECT_GE(faulty->count(fs::FsOp::kCommit), 2u);
  EXPECT_FALSE(out->values().empty());
}

// The file sink's durable commit at a checkpoint's barrier (its part file committed as ".pending":
// fsync, rename, fsync of the directory) fails: the task fails with the file system's reason, the job
// restores from the last completed checkpoint, and the published files still hold every record once.
TEST(CheckpointStorageFaults, AFailingFileSinkCommitFailsTheTaskAndTheOutputIsStillExactlyOnce) {
  TempDir dir, out_dir;
  auto faulty = std::make_shared<fs::FaultInjectingFileSystem>(std::make_shared<fs::LocalFileSystem>());
  faulty->inject_on_path(fs::FsOp::kCommit, ".pending", 3, fs::Fault::kFail);
  fs::set_for_testing("file", faulty);
  const int64_t n = 20'000;
  auto env = testing::environment();
  env->set_parallelism(2);
  env->configure("execution.checkpointing.interval", "20 ms");
  env->configure("execution.checkpointing.dir", dir.path.string());
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "3");
  env->configure("restart-strategy.fixed-delay.delay", "0 ms");
  env->from_generator<int64_t>([](int64_t i) { return i; }, n, 40'000)
      .rebalance()
      .write_as_text(out_dir.path.string());
  auto client = env->execute_async("failing sink commit");
  client.get_job_execution_result();
  fs::set_for_testing("file", nullptr);
  EXPECT_EQ(client.job_master().attempt(), 1) << "the failed commit did not fail the task once";
  const auto failures = client.job_master().exception_history();
  ASSERT_FALSE(failures.empty());
  EXPECT_NE(failures.front().error.find("injected fault"), std::string::npos) << failures.front().error;
  EXPECT_NE(failures.front().error.find("file sink"), std::string::npos) << failures.front().error;
  std::multiset<std::string> want;
  for (int64_t i = 0; i < n; ++i) want.insert(std::to_string(i));
  auto got = testing::published_lines(out_dir.path);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "published output differs from the input (lost or duplicated lines)";
  for (const auto& e : std::filesystem::directory_iterator(out_dir.path))
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

}  // namespace
}  // namespace weir
