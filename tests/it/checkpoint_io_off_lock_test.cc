// The JobMaster does no file I/O under its lock (issue 12): a checkpoint's _metadata write that hangs (a slow
// disk, an object store taking its time) leaves the JobMaster answering, and the checkpoint counts as
// complete only once the write is through. A failover that begins while the write hangs restores from that
// checkpoint once it is complete, never from an older one past it.
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "gated_file_system.h"
#include "it_support.h"
#include "weir/fs/local_file_system.h"
#include "weir/weir.h"

namespace weir {
namespace {

using testing::GatedFileSystem;
using testing::TempDir;

// Runs `call` on another thread; true when it returned (the JobMaster's lock was free to take). The limit
// guards against a hang: with the lock held across the write, the call would never return.
template <typename F>
bool returns(F call) {
  auto f = std::async(std::launch::async, std::move(call));
  return f.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
}

// The checkpoint id in a path ".../chk-<id>/_metadata".
int64_t checkpoint_id_of(const std::string& path) {
  auto at = path.rfind("chk-");
  return std::stoll(path.substr(at + 4, path.find('/', at) - at - 4));
}

struct GateGuard {
  explicit GateGuard(std::shared_ptr<GatedFileSystem> g) : gate(std::move(g)) {
    fs::set_for_testing("file", gate);
  }
  ~GateGuard() {
    gate->open();
    fs::set_for_testing("file", nullptr);
  }
  std::shared_ptr<GatedFileSystem> gate;
};

std::unique_ptr<StreamExecutionEnvironment> checkpointed(const TempDir& dir) {
  auto env = testing::environment();
  env->configure("execution.checkpointing.interval", "20 ms");
  env->configure("execution.checkpointing.dir", dir.path.string());
  return env;
}

TEST(CheckpointIoOffLock, TheJobMasterAnswersWhileAMetadataWriteHangsAndTheCheckpointCompletesAfterIt) {
  TempDir dir;
  GateGuard g(std::make_shared<GatedFileSystem>(std::make_shared<fs::LocalFileSystem>(), "_metadata"));
  auto env = checkpointed(dir);
  env->configure("execution.checkpointing.externalized-checkpoint-retention", "retain_on_cancellation");
  env->from_generator<int64_t>([](int64_t i) { return i; }, 1'000'000'000, 10'000)
      .key_by([](const int64_t& v) { return v % 7; })
      .reduce([](const int64_t& a, const int64_t& b) { return a + b; })
      .add_sink([](const int64_t&) {});
  auto client = env->execute_async("metadata write hangs");
  const std::string held = g.gate->wait_until_held();
  ASSERT_FALSE(held.empty()) << "no _metadata write arrived";
  const auto& jm = client.job_master();
  // The write hangs: everything that takes the JobMaster's lock still answers.
  EXPECT_TRUE(returns([&] { return jm.status(); }));
  EXPECT_TRUE(returns([&] { return jm.snapshot(); }));
  EXPECT_TRUE(returns([&] { return jm.exception_history(); }));
  cluster::CheckpointStats during;
  ASSERT_TRUE(returns([&] { during = jm.checkpoint_stats(); }));
  EXPECT_EQ(jm.status(), JobStatus::kRunning);
  // Not complete while its metadata is not durable.
  EXPECT_EQ(during.completed, 0);
  EXPECT_TRUE(jm.retained_checkpoints().empty());
  // A cancel is taken at once; the job ends once the write is through.
  ASSERT_TRUE(returns([&] { client.cancel(); }));
  g.gate->open();
  EXPECT_EQ(client.wait_for(std::chrono::minutes(2)), JobStatus::kCanceled);
  const auto after = jm.checkpoint_stats();
  EXPECT_GE(after.completed, 1);
  ASSERT_TRUE(after.latest);
  EXPECT_EQ(after.latest->id, checkpoint_id_of(held));
  EXPECT_TRUE(std::filesystem::exists(held)) << held;  // retained on cancellation, its metadata whole
  EXPECT_NO_THROW(checkpoint::load_checkpoint(held));
}

std::atomic<bool> fail_next{false};

TEST(CheckpointIoOffLock, AFailoverDuringAMetadataWriteRestoresFromThatCheckpointOnceItIsComplete) {
  TempDir dir;
  GateGuard g(std::make_shared<GatedFileSystem>(std::make_shared<fs::LocalFileSystem>(), "_metadata"));
  auto env = checkpointed(dir);
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "1");
  env->configure("restart-strategy.fixed-delay.delay", "0 ms");
  fail_next = false;
  env->from_generator<int64_t>([](int64_t i) { return i; }, 1'000'000'000, 10'000)
      .map([](const int64_t& v) {
        if (fail_next.exchange(false)) throw std::runtime_error("injected failure during the metadata write");
        return v;
      })
      .add_sink([](const int64_t&) {});
  auto client = env->execute_async("failover during a metadata write");
  const std::string held = g.gate->wait_until_held();
  ASSERT_FALSE(held.empty()) << "no _metadata write arrived";
  const auto& jm = client.job_master();
  fail_next = true;
  // The failure is handled (tasks canceled) while the write hangs; the restart waits for the completion.
  ASSERT_TRUE(testing::eventually([&] { return !jm.exception_history().empty(); }));
  EXPECT_EQ(jm.attempt(), 0) << "restarted before the checkpoint under way was complete";
  EXPECT_EQ(jm.checkpoint_stats().restored, 0);
  g.gate->open();
  ASSERT_TRUE(testing::eventually([&] { return jm.checkpoint_stats().restored >= 1; }));
  const auto stats = jm.checkpoint_stats();
  ASSERT_TRUE(stats.latest_restored);
  EXPECT_EQ(stats.latest_restored->id, checkpoint_id_of(held)) << "restored from another checkpoint";
  EXPECT_EQ(jm.attempt(), 1);
  client.cancel();
  client.wait_for(std::chrono::minutes(2));
}

}  // namespace
}  // namespace weir
