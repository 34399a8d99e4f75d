// Heartbeat reconciliation both ways (issue 12, Flink's ExecutionDeploymentReconciler): a TaskManager's
// heartbeat reports the task attempts it has; the JobMaster cancels there an attempt it does not follow (an
// older attempt, a deployment it never made) and fails an attempt it saw RUNNING on that TaskManager before
// the heartbeat was asked for and that the report lacks. Attempts RUNNING only since (a late report of an
// older heartbeat) are left alone. The mismatches are provoked directly on a MiniCluster.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

using cluster::ExecutionAttemptId;
using cluster::ExecutionState;
using cluster::JobStatus;
using testing::eventually;

struct Fixture {
  std::shared_ptr<cluster::MiniCluster> mc;
  std::shared_ptr<const graph::JobGraph> jg;
  std::unique_ptr<cluster::JobClient> client;
  std::shared_ptr<cluster::JobMaster> jm;
  std::shared_ptr<cluster::TaskExecutor> te;

  //! An unbounded job of one vertex (a paced generator chained to a sink) on one TaskManager. At parallelism
  //! 1 its one region is the whole job: a failure restarts it as the next attempt.
  Fixture(const std::string& restart_attempts, int parallelism) {
    cluster::MiniClusterConfig c;
    c.num_task_managers = 1;
    c.slots_per_task_manager = 2;
    mc = std::make_shared<cluster::MiniCluster>(c);
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(parallelism);
    if (restart_attempts == "none") {
      env->configure("restart-strategy.type", "none");
    } else {
      env->configure("restart-strategy.type", "fixed-delay");
      env->configure("restart-strategy.fixed-delay.attempts", restart_attempts);
      env->configure("restart-strategy.fixed-delay.delay", "0 ms");
    }
    env->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 2'000)
        .add_sink([](const int64_t&) {});
    jg = env->get_job_graph();
    client = std::make_unique<cluster::JobClient>(mc->submit(jg));
    jm = mc->dispatcher().job(client->job_id());
    te = mc->task_executors().at(0);
  }
  ~Fixture() {
    client->cancel();
    client->wait_for(std::chrono::minutes(2));
    mc->close();
  }
  bool all_running() const {
    auto eg = jm->snapshot();
    return jm->status() == JobStatus::kRunning && eg.count(ExecutionState::kRunning) == eg.total();
  }
  bool on_task_manager(const ExecutionAttemptId& id) const {
    auto all = te->task_attempts();
    return std::find(all.begin(), all.end(), id) != all.end();
  }
};

TEST(HeartbeatReconciliation, AnAttemptTheJobMasterDoesNotFollowIsCancelledOnTheTaskManager) {
  Fixture f("none", 2);
  ASSERT_TRUE(eventually([&] { return f.all_running(); }));
  // A deployment of subtask 0 the JobMaster never made (attempt 7: an older leader's, or a cancel that was
  // lost), running beside the current attempt 0.
  cluster::TaskDeploymentDescriptor tdd;
  tdd.job = f.client->job_id();
  tdd.attempt = 7;
  tdd.job_graph = f.jg;
  tdd.vertex = 0;
  tdd.subtask = 0;
  tdd.clock = SystemClock::shared();
  const ExecutionAttemptId stray{tdd.job, 7, 0, 0};
  f.te->submit_task(std::move(tdd), f.jm);
  ASSERT_TRUE(f.on_task_manager(stray));
  f.mc->heartbeat();
  EXPECT_TRUE(eventually([&] { return !f.on_task_manager(stray); })) << "the stray attempt still runs";
  // The job's own attempts were left alone.
  EXPECT_TRUE(f.all_running());
  EXPECT_EQ(f.jm->attempt(), 0);
  EXPECT_TRUE(f.jm->exception_history().empty());
  EXPECT_TRUE(f.on_task_manager({f.client->job_id(), 0, 0, 0}));
  EXPECT_TRUE(f.on_task_manager({f.client->job_id(), 0, 0, 1}));
}

TEST(HeartbeatReconciliation, AnAttemptRunningBeforeTheHeartbeatAndMissingFromItFails) {
  Fixture f("none", 2);
  ASSERT_TRUE(eventually([&] { return f.all_running(); }));
  // A heartbeat that is consistent changes nothing.
  uint64_t token = f.jm->heartbeat_token();
  f.jm->reconcile_task_manager(f.te->id(), token, f.te->task_attempts());
  EXPECT_EQ(f.jm->status(), JobStatus::kRunning);
  // The TaskManager's report lacks the job's attempts (they vanished there): they fail, and without restarts
  // the job fails, naming why.
  token = f.jm->heartbeat_token();
  f.jm->reconcile_task_manager(f.te->id(), token, {});
  EXPECT_EQ(f.client->wait_for(std::chrono::minutes(2)), JobStatus::kFailed);
  EXPECT_NE(f.jm->failure().find("missing on TaskManager"), std::string::npos) << f.jm->failure();
}

TEST(HeartbeatReconciliation, AnAttemptRunningOnlySinceTheHeartbeatWasAskedForIsLeftAlone) {
  Fixture f("1", 1);
  ASSERT_TRUE(eventually([&] { return f.all_running(); }));
  const uint64_t old_token = f.jm->heartbeat_token();  // a heartbeat asked for now, its report late
  // A current report lacking attempt 0's tasks fails them: the job restarts as attempt 1.
  f.jm->reconcile_task_manager(f.te->id(), f.jm->heartbeat_token(), {});
  ASSERT_TRUE(eventually([&] { return f.jm->attempt() == 1 && f.all_running(); }));
  ASSERT_EQ(f.jm->exception_history().size(), 1u);
  // The old heartbeat's report (taken before attempt 1 ran) arrives: attempt 1 is not failed for it.
  f.jm->reconcile_task_manager(f.te->id(), old_token, {});
  EXPECT_TRUE(f.all_running());
  EXPECT_EQ(f.jm->attempt(), 1);
  EXPECT_EQ(f.jm->exception_history().size(), 1u);
  // Nor is anything while the TaskManager reports attempt 1.
  f.mc->heartbeat();
  EXPECT_TRUE(f.all_running());
  EXPECT_EQ(f.jm->exception_history().size(), 1u);
}

}  // namespace
}  // namespace weir
