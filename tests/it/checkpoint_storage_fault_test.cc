// A checkpoint whose file cannot be made durable (an fsync, rename or upload fails at commit) fails, on
// a real job: the task declines it, the JobManager counts it failed with the file system's reason, and
// later checkpoints complete. Nothing passes in silence.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace weir
