// execution.checkpointing.tolerable-failed-checkpoints on the MiniCluster (issue #12, item 7): a task that
// cannot write its state declines the checkpoint (the failure point task.before-ack throws between its
// snapshot and its acknowledgement); the JobMaster aborts the checkpoint and counts it. The job goes on
// through N consecutive declined checkpoints and fails at the N+1-th, naming the checkpoint's failure.
#include <chrono>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/common/failure_points.h"
#include "weir/weir.h"

namespace weir {
namespace {

using cluster::JobStatus;
using testing::eventually;
using testing::TempDir;

constexpr int kTolerable = 2;

//! An unbounded job of one task (a paced generator chained to a sink, parallelism 1), checkpointing every
//! 20 ms, no restarts: each checkpoint has one acknowledgement, and a failure of the job ends it.
struct Fixture {
  TempDir checkpoints;
  std::shared_ptr<cluster::MiniCluster> mc;
  std::unique_ptr<cluster::JobClient> client;
  std::shared_ptr<cluster::JobMaster> jm;

  //! The first `declined` checkpoints are declined.
  explicit Fixture(int declined) {
    cluster::MiniClusterConfig c;
    c.num_task_managers = 1;
    c.slots_per_task_manager = 1;
    mc = std::make_shared<cluster::MiniCluster>(c);
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(1);
    env->configure("restart-strategy.type", "none");
    env->configure("execution.checkpointing.interval", "20 ms");
    env->configure("execution.checkpointing.dir", checkpoints.path.string());
    env->configure("execution.checkpointing.tolerable-failed-checkpoints", std::to_string(kTolerable));
    env->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 2'000)
        .add_sink([](const int64_t&) {});
    FailurePoints::arm("task.before-ack", 1, declined);
    client = std::make_unique<cluster::JobClient>(mc->submit(env->get_job_graph()));
    jm = mc->dispatcher().job(client->job_id());
  }
  ~Fixture() {
    FailurePoints::disarm_all();
    client->cancel();
    client->wait_for(std::chrono::minutes(2));
    mc->close();
  }
};

TEST(CheckpointFailureTolerance, TheJobRunsOnThroughAsManyConsecutiveFailuresAsTolerated) {
  Fixture f(kTolerable);
  ASSERT_TRUE(eventually([&] { return f.jm->checkpoint_stats().completed >= 2; })) << f.jm->failure();
  EXPECT_EQ(FailurePoints::fired("task.before-ack"), kTolerable);
  EXPECT_EQ(f.jm->checkpoint_stats().failed, kTolerable);
  // The first checkpoints were the declined ones; those after them completed.
  EXPECT_EQ(f.jm->checkpoint_stats().latest_failed->id, kTolerable);
  EXPECT_NE(f.jm->checkpoint_stats().latest_failed->reason.find("could not write its state"),
            std::string::npos)
      << f.jm->checkpoint_stats().latest_failed->reason;
  EXPECT_EQ(f.jm->status(), JobStatus::kRunning);
  EXPECT_TRUE(f.jm->exception_history().empty());
}

TEST(CheckpointFailureTolerance, TheJobFailsAtTheFirstConsecutiveFailureBeyondThem) {
  Fixture f(kTolerable + 1);
  ASSERT_EQ(f.client->wait_for(std::chrono::minutes(1)), JobStatus::kFailed);
  EXPECT_EQ(FailurePoints::fired("task.before-ack"), kTolerable + 1);
  EXPECT_EQ(f.jm->checkpoint_stats().completed, 0);
  EXPECT_NE(f.jm->failure().find(fmt::format("checkpoint {} failed", kTolerable + 1)), std::string::npos)
      << f.jm->failure();
  EXPECT_NE(f.jm->failure().find("could not write its state"), std::string::npos) << f.jm->failure();
}

}  // namespace
}  // namespace weir
