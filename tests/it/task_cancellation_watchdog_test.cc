// task.cancellation.timeout (Flink's task cancellation watchdog): a canceled task whose user function
// never returns must not keep its job from ending. With the timeout set, the TaskManager gives up on the
// task once it passed (an embedded cluster abandons the task and reports it CANCELED; a TaskManager
// process ends, see task_executor.h), so the job ends CANCELED and its slot serves the next job; with
// the timeout 0 the job waits for the task for as long as it takes, as asked.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/common/failure_points.h"
#include "weir/weir.h"

namespace weir::testing {
namespace {

struct Stuck {
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
};

// A job whose map spins, ignoring cancellation, from its first record until the test releases it.
JobClient run_stuck_job(const std::shared_ptr<cluster::MiniCluster>& cluster, const std::string& timeout,
                        const std::shared_ptr<Stuck>& stuck) {
  Configuration conf;
  conf.set("task.cancellation.timeout", timeout);
  conf.set("task.cancellation.interval", "100 ms");
  auto env = StreamExecutionEnvironment::get_execution_environment(conf);
  env->set_cluster(cluster);
  env->set_parallelism(1);
  auto feed = std::make_shared<Feed<int64_t>>();  // never closed: the job runs until canceled
  from_feed(*env, feed)
      .map([stuck](const int64_t& v) {
        stuck->entered.store(true);
        while (!stuck->release.load()) std::this_thread::yield();
        return v;
      })
      .collect();
  auto client = env->execute_async("stuck in a user function");
  feed->push(1);
  return client;
}

std::shared_ptr<cluster::MiniCluster> one_slot() {
  cluster::MiniClusterConfig mc;
  mc.num_task_managers = 1;
  mc.slots_per_task_manager = 1;
  return std::make_shared<cluster::MiniCluster>(mc);
}

TEST(TaskCancellationWatchdog, AStuckTaskIsGivenUpAtTheTimeoutAndTheJobEndsCanceled) {
  auto cluster = one_slot();
  auto stuck = std::make_shared<Stuck>();
  auto client = run_stuck_job(cluster, "300 ms", stuck);
  ASSERT_TRUE(eventually([&] { return stuck->entered.load(); }));
  client.cancel();
  EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
  const auto& te = *cluster->task_executors().front();
  EXPECT_EQ(te.num_abandoned_tasks_running(), 1u);

  // The slot is free again: the next job runs and finishes while the abandoned thread still spins.
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_cluster(cluster);
  auto out = env->from_sequence(1, 5).collect();
  auto next = env->execute_async("after the stuck one");
  EXPECT_EQ(next.wait_for(std::chrono::seconds(30)), JobStatus::kFinished);
  EXPECT_EQ(out->size(), 5u);

  stuck->release.store(true);  // the abandoned thread ends on its own; nothing hears from it
  ASSERT_TRUE(eventually([&] { return te.num_abandoned_tasks_running() == 0; }));
  EXPECT_EQ(client.get_job_status(), JobStatus::kCanceled);
  cluster->close();
}

TEST(TaskCancellationWatchdog, WithTheTimeoutZeroTheJobWaitsForTheTask) {
  auto cluster = one_slot();
  auto stuck = std::make_shared<Stuck>();
  auto client = run_stuck_job(cluster, "0 ms", stuck);
  ASSERT_TRUE(eventually([&] { return stuck->entered.load(); }));
  client.cancel();
  // Still canceling well past any timeout a watchdog could have used here.
  EXPECT_EQ(client.wait_for(std::chrono::milliseconds(800)), JobStatus::kCanceling);
  stuck->release.store(true);
  EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
  EXPECT_EQ(cluster->task_executors().front()->num_abandoned_tasks_running(), 0u);
  cluster->close();
}

// Shutting a TaskManager down (`weir taskmanager` on SIGTERM) cancels its tasks and gives up on a stuck
// one at the timeout like any cancellation, instead of waiting for its thread forever.
TEST(TaskCancellationWatchdog, AStuckTaskDoesNotHangTheTaskManagersShutdown) {
  auto cluster = one_slot();
  auto stuck = std::make_shared<Stuck>();
  auto client = run_stuck_job(cluster, "300 ms", stuck);
  ASSERT_TRUE(eventually([&] { return stuck->entered.load(); }));
  auto& te = *cluster->task_executors().front();
  auto shutdown = std::async(std::launch::async, [&] { te.shutdown(); });
  const bool returned = shutdown.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  EXPECT_TRUE(returned) << "the shutdown waited for the stuck task past task.cancellation.timeout";
  EXPECT_EQ(te.num_abandoned_tasks_running(), returned ? 1u : 0u);
  stuck->release.store(true);
  shutdown.wait();
  client.cancel();  // its TaskManager is gone; whatever the job does next, it ends here
  ASSERT_TRUE(eventually([&] { return te.num_abandoned_tasks_running() == 0; }));
  cluster->close();
}

// Without an embedding's handler (a TaskManager process) the default handler ends the process with exit
// code 70 and the message naming the task, so the JobManager sees the TaskManager lost and reschedules.
TEST(TaskCancellationWatchdogDeathTest, ATaskManagerProcessEndsWithTheTaskNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto cluster = one_slot();
        cluster->task_executors().front()->set_fatal_error_handler(nullptr);  // as in `weir taskmanager`
        auto stuck = std::make_shared<Stuck>();
        auto client = run_stuck_job(cluster, "200 ms", stuck);
        if (!eventually([&] { return stuck->entered.load(); })) std::_Exit(1);
        client.cancel();
        client.wait_for(std::chrono::seconds(30));
        std::_Exit(0);  // not reached: the watchdog ends the process first
      },
      ::testing::ExitedWithCode(70),
      "FATAL: task 'Feed Source -> Map -> Collect Sink \\(1/1\\)' did not stop within "
      "task.cancellation.timeout "
      "\\(200 ms\\)");
}

// The reaper is the TaskManager's (it frees ended tasks and is the cancellation watchdog): what its loop
// throws is a fatal error, so a TaskManager process ends with exit code 70 and the error in its log rather
// than going on without it (or ending by std::terminate).
TEST(TaskReaperDeathTest, AReaperThatThrowsEndsTheTaskManagerProcessWithExitCode70) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto cluster = one_slot();
        cluster->task_executors().front()->set_fatal_error_handler(nullptr);  // as in `weir taskmanager`
        FailurePoints::arm("taskmanager.reaper");  // when the reaper takes the first ended task
        auto env = StreamExecutionEnvironment::get_execution_environment();
        env->set_cluster(cluster);
        env->from_sequence(1, 5).collect();
        auto client = env->execute_async("reaped");
        client.wait_for(std::chrono::seconds(30));
        // Returns once the reaper has freed every task: not before it took the ended one and threw.
        cluster->task_executors().front()->shutdown();
        std::_Exit(0);  // not reached: the reaper ended the process
      },
      ::testing::ExitedWithCode(70),
      "FATAL: the TaskManager's task reaper failed: injected failure at 'taskmanager\\.reaper'");
}

// In an embedded cluster the fatal handler returns, and a TaskManager whose reaper failed would then never
// free a task again: its shutdown waited forever for tasks nobody reaps. Instead every task is canceled and
// reported FAILED naming the reaper's failure, deployments are refused, and the shutdown joins the tasks
// itself, giving up on one still running at its task.cancellation.timeout. Here a job stuck in a user
// function runs beside a job whose end makes the reaper throw.
TEST(TaskReaper, AReaperThatThrowsInAnEmbeddedClusterGivesUpItsTasksAndShutdownReturns) {
  cluster::MiniClusterConfig mc;
  mc.num_task_managers = 1;
  mc.slots_per_task_manager = 2;
  auto cluster = std::make_shared<cluster::MiniCluster>(mc);
  auto stuck = std::make_shared<Stuck>();
  auto stuck_job = run_stuck_job(cluster, "300 ms", stuck);
  ASSERT_TRUE(eventually([&] { return stuck->entered.load(); }));

  FailurePoints::arm("taskmanager.reaper");  // when the reaper takes the first ended task
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_cluster(cluster);
  env->from_sequence(1, 5).collect();
  auto reaped = env->execute_async("reaped");
  EXPECT_EQ(reaped.wait_for(std::chrono::seconds(30)), JobStatus::kFinished);

  // The stuck job's task is given up on: its job ends (its redeployment is refused), naming the failure.
  EXPECT_TRUE(
      eventually([&] { return cluster::is_terminal(stuck_job.get_job_status()); }, std::chrono::seconds(60)))
      << "the task stuck beside the failed reaper was never given up on";
  FailurePoints::disarm_all();
  try {
    stuck_job.get_job_execution_result();
    ADD_FAILURE() << "the stuck job finished";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("the TaskManager's task reaper failed: injected failure at "
                                         "'taskmanager.reaper'"),
              std::string::npos)
        << e.what();
  }

  // A job submitted now is refused by the TaskManager: it fails naming why, instead of waiting with a
  // subtask DEPLOYING for ever (the refusal used to be thrown out of the JobMaster's deployment).
  auto refused_env = StreamExecutionEnvironment::get_execution_environment();
  refused_env->set_cluster(cluster);
  refused_env->from_sequence(1, 5).collect();
  auto refused = refused_env->execute_async("refused");
  EXPECT_EQ(refused.wait_for(std::chrono::seconds(30)), JobStatus::kFailed);
  try {
    refused.get_job_execution_result();
    ADD_FAILURE() << "the refused job finished";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("its TaskManager refused the deployment"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("the TaskManager's task reaper failed"), std::string::npos)
        << e.what();
  }

  auto& te = *cluster->task_executors().front();
  auto shutdown = std::async(std::launch::async, [&] { te.shutdown(); });
  const bool returned = shutdown.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  EXPECT_TRUE(returned) << "the shutdown waited for tasks that no reaper frees";
  EXPECT_EQ(te.num_abandoned_tasks_running(), returned ? 1u : 0u);  // the stuck one, past its timeout
  stuck->release.store(true);
  shutdown.wait();
  ASSERT_TRUE(eventually([&] { return te.num_abandoned_tasks_running() == 0; }));
  cluster->close();
}

}  // namespace
}  // namespace weir::testing
