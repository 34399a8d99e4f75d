// A standalone cluster in one test process: a JobManagerServer and TaskManagerRunners that talk gRPC on
// loopback exactly as the `weir jobmanager` / `weir taskmanager` processes do (those are tested as real
// processes in tests/cli). Jobs are the builtin Nexmark job, rebuilt from its spec by every party; the
// reference output is the same query run on the embedded MiniCluster.
#include <filesystem>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "../support/log_capture.h"
#include "it_support.h"
#include "weir/cluster/rpc/cluster.grpc.pb.h"
#include "weir/cluster/rpc/job_manager_server.h"
#include "weir/cluster/rpc/job_planner.h"
#include "weir/cluster/rpc/proto_convert.h"
#include "weir/cluster/rpc/task_manager_runner.h"
#include "weir/common/failure_points.h"
#include "weir/nexmark/nexmark_job.h"
#include "weir/nexmark/query_runner.h"

namespace weir::cluster::rpc {
namespace {

using weir::testing::eventually;
using weir::testing::published_lines;
using weir::testing::TempDir;

class RemoteCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    register_builtin_job("nexmark", nexmark::build_nexmark_job);
    // The JobManager's log, captured before any JobManager of this binary logs (a sink is added
    // unsynchronized).
    jm_log_ = weir::testing::capture_log("jobmanager");
  }
  static inline std::shared_ptr<weir::testing::CaptureSink> jm_log_;

  RemoteCluster() {
    base_.set("jobmanager.rpc.address", "127.0.0.1");
    base_.set("taskmanager.host", "127.0.0.1");
    base_.set("heartbeat.interval", "100 ms");
    base_.set("heartbeat.timeout", "1 s");
    Configuration jm = base_;
    jm.set("jobmanager.rpc.port", "0");
    jm_ = std::make_unique<JobManagerServer>(jm);
  }
  ~RemoteCluster() override {
    for (auto& tm : tms_) tm->shutdown("test over");
    jm_->shutdown();
  }

  TaskManagerRunner& add_task_manager(int slots) {
    Configuration c = base_;
    c.set("jobmanager.rpc.port", jm_->address().substr(jm_->address().rfind(':') + 1));
    c.set("taskmanager.numberOfTaskSlots", std::to_string(slots));
    c.set("taskmanager.rpc.port", "0");
    c.set("taskmanager.data.port", "0");
    tms_.push_back(std::make_unique<TaskManagerRunner>(c));
    tms_.back()->start();
    return *tms_.back();
  }

  static weir::rpc::JobSpec nexmark_spec(const std::string& query, int64_t events,
                                         const std::string& sink_dir, int parallelism) {
    weir::rpc::JobSpec spec;
    spec.set_kind("builtin");
    spec.set_name("nexmark");
    for (std::string a : {"query=" + query, "events=" + std::to_string(events), "sink=file:" + sink_dir})
      spec.add_args(a);
    (*spec.mutable_config())["parallelism.default"] = std::to_string(parallelism);
    return spec;
  }

  //! About five seconds of events (so a TaskManager is lost mid-run), checkpoints every 100 ms, quick
  //! restarts.
  static void paced_with_checkpoints(weir::rpc::JobSpec& spec, const std::string& checkpoint_dir) {
    spec.add_args("tps=40000");
    auto& config = *spec.mutable_config();
    config["execution.checkpointing.interval"] = "100 ms";
    config["execution.checkpointing.dir"] = checkpoint_dir;
    config["restart-strategy.type"] = "fixed-delay";
    config["restart-strategy.fixed-delay.attempts"] =
        "20";  // slack for false probe removals on a loaded machine
    config["restart-strategy.fixed-delay.delay"] = "10 ms";
  }

  static std::multiset<std::string> reference(const std::string& query, int64_t events, int parallelism) {
    TempDir dir;
    Configuration conf;
    conf.set("parallelism.default", std::to_string(parallelism));
    nexmark::QueryOptions o;
    o.generator.events = events;
    o.sink = nexmark::SinkSpec::directory(dir.path.string());
    nexmark::run_query(query, conf, o);
    return published_lines(dir.path);
  }

  Configuration base_;
  std::unique_ptr<JobManagerServer> jm_;
  std::vector<std::unique_ptr<TaskManagerRunner>> tms_;
};

TEST_F(RemoteCluster, NexmarkQueryOnATaskManagerProcessMatchesTheMiniCluster) {
  add_task_manager(2);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  TempDir out;
  JobId id = jm_->submit_job(nexmark_spec("q3", 20000, out.path.string(), 2));
  auto job = jm_->dispatcher().job(id);
  ASSERT_NE(job, nullptr);
  ASSERT_EQ(job->wait(std::chrono::seconds(60)), JobStatus::kFinished) << job->failure();
  auto got = published_lines(out.path);
  EXPECT_FALSE(got.empty());
  EXPECT_EQ(got, reference("q3", 20000, 2));
}

// Two TaskManagers with one slot each: subtask 0 of every vertex runs on one, subtask 1 on the other, so
// half of every keyed shuffle crosses the TCP data plane between them.
TEST_F(RemoteCluster, AJobSpanningTwoTaskManagersShufflesOverTcpAndMatchesTheMiniCluster) {
  add_task_manager(1);
  add_task_manager(1);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  ASSERT_NE(tms_[0]->data_port(), tms_[1]->data_port());
  TempDir out;
  JobId id = jm_->submit_job(nexmark_spec("q5", 20000, out.path.string(), 2));
  auto job = jm_->dispatcher().job(id);
  ASSERT_NE(job, nullptr);
  ASSERT_EQ(job->wait(std::chrono::seconds(60)), JobStatus::kFinished) << job->failure();
  auto got = published_lines(out.path);
  EXPECT_FALSE(got.empty());
  EXPECT_EQ(got, reference("q5", 20000, 2));
}

// The same, with checkpoints, and one of the two TaskManagers leaves mid-run: the job restarts on the
// survivor and a spare from the latest checkpoint, the new attempt's channels cross TCP between them,
// and the output is exactly the uninterrupted one.
TEST_F(RemoteCluster, AJobSpanningTwoTaskManagersSurvivesLosingOneOfThem) {
  TempDir out, checkpoints;
  auto spec = nexmark_spec("q5", 200000, out.path.string(), 2);
  paced_with_checkpoints(spec, checkpoints.path.string());
  add_task_manager(1);
  add_task_manager(1);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return job->checkpoint_stats().completed >= 2; }));
  add_task_manager(1);  // the spare
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 3; }));
  tms_.front()->shutdown("killed by the test");
  ASSERT_EQ(job->wait(std::chrono::seconds(120)), JobStatus::kFinished) << job->failure();
  EXPECT_GE(job->attempt(), 1);
  EXPECT_EQ(published_lines(out.path), reference("q5", 200000, 2));
}

TEST_F(RemoteCluster, ABadSpecIsRefusedWithTheReason) {
  weir::rpc::JobSpec spec;
  spec.set_kind("builtin");
  spec.set_name("no-such-job");
  EXPECT_THROW(
      {
        try {
          jm_->submit_job(spec);
        } catch (const WeirError& e) {
          EXPECT_NE(std::string(e.what()).find("unknown builtin job 'no-such-job'"), std::string::npos)
              << e.what();
          throw;
        }
      },
      WeirError);
  spec.set_name("nexmark");
  spec.add_args("query=q3");
  EXPECT_THROW(jm_->submit_job(spec), ConfigError);  // events= missing
}

TEST_F(RemoteCluster, AJobWaitsForSlotsAndUsesATaskManagerThatJoinsLate) {
  TempDir out;
  JobId id = jm_->submit_job(nexmark_spec("q0", 5000, out.path.string(), 1));
  auto job = jm_->dispatcher().job(id);
  EXPECT_EQ(job->status(), JobStatus::kCreated);  // no TaskManager yet: it waits instead of failing
  add_task_manager(1);
  ASSERT_EQ(job->wait(std::chrono::seconds(60)), JobStatus::kFinished) << job->failure();
  EXPECT_EQ(published_lines(out.path), reference("q0", 5000, 1));
}

TEST_F(RemoteCluster, ALostTaskManagersTasksRestartOnAnotherFromTheLatestCheckpoint) {
  TempDir out, checkpoints;
  auto spec = nexmark_spec("q5", 200000, out.path.string(), 1);
  paced_with_checkpoints(spec, checkpoints.path.string());
  add_task_manager(1);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 1; }));
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return job->checkpoint_stats().completed >= 2; }));
  add_task_manager(1);  // the spare
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  tms_.front()->shutdown(
      "killed by the test");  // leaves: its tasks are canceled, the JobManager fails them over
  ASSERT_EQ(job->wait(std::chrono::seconds(120)), JobStatus::kFinished) << job->failure();
  EXPECT_GE(job->attempt(), 1);
  ASSERT_FALSE(job->exception_history().empty());
  EXPECT_NE(job->exception_history().front().error.find("is gone"), std::string::npos)
      << job->exception_history().front().error;
  EXPECT_EQ(published_lines(out.path), reference("q5", 200000, 1));
}

// Local recovery on TaskManager processes: a task failure restarts every subtask in the slot it had, and
// each restores its own state from its TaskManager's local copy. The only reads of the checkpoint storage
// are the heads of the other TaskManager's sink files, for the file sink's union list state (which every
// sink subtask reads whole, as in Flink).
TEST_F(RemoteCluster, WithLocalRecoveryFailedTasksRestoreFromTheirTaskManagersLocalCopies) {
  TempDir out, checkpoints;
  auto spec = nexmark_spec("q5", 200000, out.path.string(), 2);
  paced_with_checkpoints(spec, checkpoints.path.string());
  (*spec.mutable_config())["execution.state-recovery.from-local"] = "true";
  add_task_manager(1);
  add_task_manager(1);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return job->checkpoint_stats().completed >= 2; }));
  FailurePoints::arm("task.checkpoint-complete");  // the next task told of a completed checkpoint fails
  ASSERT_TRUE(eventually([&] { return job->attempt() >= 1; }));
  ASSERT_EQ(job->wait(std::chrono::seconds(120)), JobStatus::kFinished) << job->failure();
  FailurePoints::disarm_all();
  EXPECT_EQ(published_lines(out.path), reference("q5", 200000, 2));
  for (const auto& tm : tms_) {
    const auto& c = tm->restore_counters();
    EXPECT_GT(c.subtasks.load(), 0);
    EXPECT_EQ(c.local_subtasks.load(), c.subtasks.load());
    EXPECT_EQ(c.remote_bytes.load(), c.remote_union_bytes.load());
    EXPECT_LT(c.remote_bytes.load(), 1000u);
    EXPECT_GT(c.local_bytes.load(), 0u);
  }
}

// A TaskManager is lost: the survivor keeps its subtasks (their slot) and restores them from its local
// copies; only the lost TaskManager's subtasks move to the spare, which reads the checkpoint storage.
TEST_F(RemoteCluster, WithLocalRecoveryTheSurvivorOfALostTaskManagerRestoresLocally) {
  TempDir out, checkpoints;
  auto spec = nexmark_spec("q5", 200000, out.path.string(), 2);
  paced_with_checkpoints(spec, checkpoints.path.string());
  (*spec.mutable_config())["execution.state-recovery.from-local"] = "true";
  add_task_manager(1);
  add_task_manager(1);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return job->checkpoint_stats().completed >= 2; }));
  add_task_manager(1);  // the spare
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 3; }));
  tms_.front()->shutdown("killed by the test");
  ASSERT_EQ(job->wait(std::chrono::seconds(120)), JobStatus::kFinished) << job->failure();
  EXPECT_EQ(published_lines(out.path), reference("q5", 200000, 2));
  const auto& survivor = tms_[1]->restore_counters();
  const auto& spare = tms_[2]->restore_counters();
  EXPECT_GT(survivor.subtasks.load(), 0);
  EXPECT_EQ(survivor.local_subtasks.load(), survivor.subtasks.load());
  EXPECT_EQ(survivor.remote_bytes.load(), survivor.remote_union_bytes.load());
  EXPECT_GT(spare.subtasks.load(), 0);
  EXPECT_EQ(spare.local_subtasks.load(), 0);
  EXPECT_GT(spare.remote_bytes.load(), spare.remote_union_bytes.load());
}

// Heartbeat reconciliation over the RPC (cluster/README.md): a TaskManager's answer to the JobManager's
// heartbeat lists the attempts it has. An attempt the JobManager does not follow is cancelled there: here a
// deployment it never made (a late or duplicated SubmitTask), sent to the TaskManager beside the job's own.
TEST_F(RemoteCluster, HeartbeatsCancelATaskManagersAttemptTheJobManagerDoesNotFollow) {
  TempDir out;
  auto spec = nexmark_spec("q0", int64_t{1} << 40, out.path.string(), 1);
  spec.add_args("tps=1000");  // unbounded for the test's purpose: cancelled at its end
  auto& tm = add_task_manager(2);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  auto eg_running = [&] {
    auto eg = job->snapshot();
    return job->status() == JobStatus::kRunning && eg.count(ExecutionState::kRunning) == eg.total();
  };
  ASSERT_TRUE(eventually(eg_running));

  weir::rpc::SubmitTaskRequest req;
  to_proto(ExecutionAttemptId{id, 7, 0, 0}, req.mutable_task());
  req.set_job_name("stray");
  *req.mutable_spec() = spec;
  req.set_job_manager_id(jm_->id());
  auto stub = weir::rpc::TaskManagerService::NewStub(
      grpc::CreateChannel(tm.rpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  weir::rpc::SubmitTaskResponse resp;
  ASSERT_TRUE(stub->SubmitTask(&ctx, req, &resp).ok());
  ASSERT_TRUE(resp.accepted()) << resp.reason();

  auto stray_state = [&]() -> std::optional<ExecutionState> {
    for (const auto& t : tm.task_metrics())
      if (t.job == id.to_string() && t.attempt == 7) return t.state;
    return std::nullopt;
  };
  ASSERT_TRUE(stray_state().has_value());
  EXPECT_TRUE(eventually([&] { return stray_state() == ExecutionState::kCanceled; }))
      << "the stray attempt was not cancelled";
  // Cancelled by a heartbeat while the job runs, its own attempts left alone.
  EXPECT_TRUE(eg_running());
  EXPECT_EQ(job->attempt(), 0);
  EXPECT_TRUE(job->exception_history().empty());
  job->cancel();
  EXPECT_EQ(job->wait(std::chrono::seconds(60)), JobStatus::kCanceled);
}

// The other way: an attempt the JobManager saw RUNNING on a TaskManager that the TaskManager no longer has
// fails (as a task failure: the restart strategy restarts it). Here a task fails and its report of that is
// lost (the failure point drops it), so only the heartbeat tells the JobManager: the job fails over from its
// latest checkpoint and the output is exactly the failure-free one.
TEST_F(RemoteCluster, HeartbeatsFailAnAttemptThatVanishedFromItsTaskManagerAndTheJobRecovers) {
  TempDir out, checkpoints;
  auto spec = nexmark_spec("q5", 100000, out.path.string(), 1);
  paced_with_checkpoints(spec, checkpoints.path.string());
  add_task_manager(1);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 1; }));
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return job->checkpoint_stats().completed >= 1; }));
  FailurePoints::arm("rpc.task-failure-report");  // the next FAILED report is lost
  FailurePoints::arm("task.before-snapshot");     // the next task to snapshot fails
  const auto status = job->wait(std::chrono::seconds(120));
  const int64_t dropped = FailurePoints::fired("rpc.task-failure-report");
  FailurePoints::disarm_all();
  ASSERT_EQ(status, JobStatus::kFinished) << job->failure();
  EXPECT_EQ(dropped, 1);
  EXPECT_GE(job->attempt(), 1);
  ASSERT_FALSE(job->exception_history().empty());
  EXPECT_NE(job->exception_history().front().error.find("missing on TaskManager"), std::string::npos)
      << job->exception_history().front().error;
  EXPECT_EQ(published_lines(out.path), reference("q5", 100000, 1));
}

// A lost CancelTask (Flink's Execution.sendCancelRpcCall): a task fails and its region's other tasks are to
// be canceled, but every cancel the JobManager sends is dropped (the failure point). The JobMaster retries
// each (JobMaster::kCancelTries tries in all), then takes the attempt as canceled, so the region restarts
// instead of waiting for CANCELED forever; the attempts that were never told are cancelled by heartbeat
// reconciliation once cancels get through again. The output is exactly the failure-free one.
TEST_F(RemoteCluster, LostCancelsAreRetriedThenTheAttemptIsTakenAsCanceledAndTheRegionRestarts) {
  TempDir out, checkpoints;
  auto spec = nexmark_spec("q1", 100000, out.path.string(), 2);
  paced_with_checkpoints(spec, checkpoints.path.string());
  // Not chained: every subtask's source, projection, map and sink form one pipelined region of four tasks.
  (*spec.mutable_config())["pipeline.operator-chaining.enabled"] = "false";
  auto& tm = add_task_manager(2);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return job->checkpoint_stats().completed >= 1; }));
  FailurePoints::arm("rpc.cancel-task", 1, 1'000'000);  // every cancel is lost
  FailurePoints::arm("task.checkpoint-complete");       // the next task told of a completed checkpoint fails
  const bool restarted = eventually([&] { return job->attempt() >= 1; });
  const int64_t dropped = FailurePoints::fired("rpc.cancel-task");
  FailurePoints::disarm_all();
  ASSERT_TRUE(restarted) << "the region did not restart while its cancels were lost";
  // At least one of the region's other tasks was to be canceled, and its cancel was tried kCancelTries times.
  EXPECT_GE(dropped, JobMaster::kCancelTries);
  ASSERT_EQ(job->wait(std::chrono::seconds(120)), JobStatus::kFinished) << job->failure();
  EXPECT_EQ(published_lines(out.path), reference("q1", 100000, 2));
  // The attempts that never heard of their cancel ended on the TaskManager too (heartbeat reconciliation).
  EXPECT_TRUE(eventually([&] {
    for (const auto& t : tm.task_metrics())
      if (t.job == id.to_string() && t.attempt == 0 && !is_terminal(t.state)) return false;
    return true;
  })) << "an attempt of the failed-over region still runs on the TaskManager";
}

// The job's cancel with every CancelTask lost: each is retried, then its attempt taken as canceled, so the
// job ends CANCELED instead of staying CANCELING; once cancels get through again, heartbeat reconciliation
// cancels the attempts on the TaskManager (they belong to a job that ended).
TEST_F(RemoteCluster, ACancelWhoseCancelTasksAreLostStillEndsTheJobAndItsTasks) {
  TempDir out;
  auto spec = nexmark_spec("q0", int64_t{1} << 40, out.path.string(), 2);
  spec.add_args("tps=1000");  // unbounded for the test's purpose
  auto& tm = add_task_manager(2);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] {
    auto eg = job->snapshot();
    return job->status() == JobStatus::kRunning && eg.count(ExecutionState::kRunning) == eg.total();
  }));
  const int tasks = job->snapshot().total();
  FailurePoints::arm("rpc.cancel-task", 1, 1'000'000);  // every cancel is lost
  job->cancel();
  const JobStatus status = job->wait(std::chrono::seconds(60));
  const int64_t dropped = FailurePoints::fired("rpc.cancel-task");
  FailurePoints::disarm_all();
  ASSERT_EQ(status, JobStatus::kCanceled) << job->failure();
  EXPECT_GE(dropped, tasks * JobMaster::kCancelTries);  // heartbeat reconciliation may add some
  EXPECT_TRUE(eventually([&] {
    for (const auto& t : tm.task_metrics())
      if (t.job == id.to_string() && !is_terminal(t.state)) return false;
    return true;
  })) << "a task of the canceled job still runs on the TaskManager";
}

// A lost ReleaseJob (the failure point drops every one): the TaskManager keeps the ended job's graph (and
// its channels, blobs, local copies) until its heartbeats tell it the JobManager no longer runs the job and
// it has no task of it: then, heartbeat.timeout later, it releases the job itself.
TEST_F(RemoteCluster, AJobWhoseReleaseIsLostIsReleasedByTheTaskManagersHeartbeats) {
  TempDir out;
  auto spec = nexmark_spec("q0", 2000, out.path.string(), 1);
  auto& tm = add_task_manager(1);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 1; }));
  FailurePoints::arm("rpc.release-job", 1, 1'000'000);
  JobId id = jm_->submit_job(spec);
  auto job = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return tm.jobs_held() == std::vector<std::string>{id.to_string()}; }));
  ASSERT_EQ(job->wait(std::chrono::seconds(60)), JobStatus::kFinished) << job->failure();
  EXPECT_TRUE(eventually([&] { return FailurePoints::fired("rpc.release-job") >= 1; }))
      << "the JobManager sent no ReleaseJob";
  EXPECT_TRUE(eventually([&] { return tm.jobs_held().empty(); }))
      << "the TaskManager still keeps the ended job whose release was lost";
  FailurePoints::disarm_all();
  const auto got = published_lines(out.path), want = reference("q0", 2000, 1);
  EXPECT_TRUE(got == want) << weir::testing::line_difference(got, want);
}

// The JobManager's heartbeat monitor catches what a round throws: the round is lost, the next comes a tick
// later, and a TaskManager that died (registered, then silent: nothing listens at its address) is still
// found lost by heartbeat.timeout and its slots leave. Every round after arming throws until the point has
// fired 5 times, so the round that finds it lost comes after those.
TEST_F(RemoteCluster, HeartbeatRoundsThatThrowAreLostAndADeadTaskManagerStillTimesOut) {
  auto stub = weir::rpc::JobManagerService::NewStub(
      grpc::CreateChannel(jm_->address(), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    weir::rpc::RegisterTaskManagerRequest req;
    req.set_task_manager_id("dead-task-manager");
    req.set_rpc_address("127.0.0.1:1");  // refused: it never answers a heartbeat
    req.set_data_port(1);
    req.set_num_slots(1);
    weir::rpc::RegisterTaskManagerResponse resp;
    ASSERT_TRUE(stub->RegisterTaskManager(&ctx, req, &resp).ok());
    ASSERT_TRUE(resp.accepted()) << resp.reason();
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    weir::rpc::OfferSlotsRequest req;
    req.set_task_manager_id("dead-task-manager");
    req.add_slots()->set_slot_index(0);
    weir::rpc::OfferSlotsResponse resp;
    ASSERT_TRUE(stub->OfferSlots(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.accepted_size(), 1);
  }
  FailurePoints::arm("jobmanager.heartbeat-round", 1, 5);
  ASSERT_EQ(jm_->resource_manager().total_slots(), 1);
  EXPECT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 0; }))
      << "the dead TaskManager's slot is still there";
  EXPECT_EQ(FailurePoints::fired("jobmanager.heartbeat-round"), 5);
  EXPECT_EQ(jm_->registry().lost_total(), 1);
  EXPECT_TRUE(jm_->registry().alive().empty());
  FailurePoints::disarm_all();
}

// The TaskManager's connection thread catches what its loop throws and fails the TaskManager as a
// registration timeout does: failed() is set and failure() names the error (the `weir taskmanager` process
// prints it and exits). Shut down as that process then is, its slot leaves the JobManager, which is told
// that error as the reason (not the caller's generic one).
TEST_F(RemoteCluster, AConnectionThreadThatThrowsFailsTheTaskManagerNamingTheError) {
  auto& tm = add_task_manager(1);
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 1; }));
  ASSERT_FALSE(tm.failed());
  FailurePoints::arm("taskmanager.connection.heartbeat");
  EXPECT_TRUE(eventually([&] { return tm.failed(); })) << "the TaskManager did not fail";
  FailurePoints::disarm_all();
  EXPECT_EQ(
      tm.failure(),
      "the connection to the JobManager failed: injected failure at 'taskmanager.connection.heartbeat'");
  tm.shutdown("failed");
  EXPECT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 0; }));
  EXPECT_TRUE(eventually([&] {
    return jm_log_->logged({"TaskManager " + tm.id() +
                            " removed (it disconnected: the connection to the "
                            "JobManager failed: injected failure at 'taskmanager.connection.heartbeat')"});
  })) << "the JobManager was not told why the TaskManager left";
}

}  // namespace
}  // namespace weir::cluster::rpc
