// RPCs that name a subtask the job does not have (issue #12, item 1): a negative vertex or subtask index, one
// past the last vertex or subtask, or an attempt the job does not run. The JobManager's task gateway (task
// states, checkpoint acknowledgements and declines, end of data) must not apply them to any subtask (a
// negative number is refused with an error by the RPC conversion, the rest ignored by the JobMaster), and a
// TaskManager must refuse such a deployment naming what is wrong; the job runs on, unharmed. Sent over gRPC
// on loopback to a JobManagerServer and a TaskManagerRunner in this process, as a faulty or hostile peer
// would send them, and straight to a MiniCluster's JobMaster (its own checks, behind the conversion's).
#include <climits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/cluster/rpc/cluster.grpc.pb.h"
#include "weir/cluster/rpc/job_manager_server.h"
#include "weir/cluster/rpc/job_planner.h"
#include "weir/cluster/rpc/proto_convert.h"
#include "weir/cluster/rpc/task_manager_runner.h"
#include "weir/nexmark/nexmark_job.h"

namespace weir::cluster::rpc {
namespace {

using weir::testing::eventually;
using weir::testing::TempDir;

//! Attempts of subtasks job `jm` does not have, or does not run: negative, one past the end and extreme
//! indices, and a later attempt of a real subtask.
std::vector<ExecutionAttemptId> strangers(const JobMaster& jm) {
  const JobId id = jm.id();
  const int vertices = static_cast<int>(jm.job_graph().vertices.size());
  const int last = vertices - 1;
  const int parallelism = jm.job_graph().vertices[last].parallelism;
  return {{id, 0, -1, 0},      {id, 0, 0, -1},      {id, 0, vertices, 0}, {id, 0, last, parallelism},
          {id, 0, INT_MIN, 0}, {id, 0, 0, INT_MAX}, {id, 1, 0, 0},        {id, 0, INT_MAX, INT_MIN}};
}

//! `jm`'s job runs on as if nothing had been sent: every task running, checkpoints completing, nothing
//! failed.
void expect_unharmed(const JobMaster& jm) {
  const int64_t completed = jm.checkpoint_stats().completed;
  EXPECT_TRUE(eventually([&] { return jm.checkpoint_stats().completed >= completed + 2; }));
  auto eg = jm.snapshot();
  EXPECT_EQ(jm.status(), JobStatus::kRunning);
  EXPECT_EQ(eg.count(ExecutionState::kRunning), eg.total());
  EXPECT_EQ(jm.attempt(), 0);
  EXPECT_TRUE(jm.exception_history().empty());
  EXPECT_EQ(jm.checkpoint_stats().failed, 0);
}

constexpr const char* kStrangerError = "a report of a subtask the job does not have";

class TaskRpcIndices : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { register_builtin_job("nexmark", nexmark::build_nexmark_job); }

  //! One TaskManager of two slots running Nexmark q0 at parallelism 1, unbounded for the test's purpose,
  //! checkpointing every 50 ms; no restarts and no tolerated checkpoint failure, so anything a bad RPC did
  //! to a subtask or a checkpoint would end the job.
  TaskRpcIndices() {
    Configuration base;
    base.set("jobmanager.rpc.address", "127.0.0.1");
    base.set("taskmanager.host", "127.0.0.1");
    base.set("heartbeat.interval", "100 ms");
    base.set("heartbeat.timeout", "5 s");
    Configuration jm = base;
    jm.set("jobmanager.rpc.port", "0");
    jm_ = std::make_unique<JobManagerServer>(jm);
    Configuration tm = base;
    tm.set("jobmanager.rpc.port", jm_->address().substr(jm_->address().rfind(':') + 1));
    tm.set("taskmanager.numberOfTaskSlots", "2");
    tm.set("taskmanager.rpc.port", "0");
    tm.set("taskmanager.data.port", "0");
    tm_ = std::make_unique<TaskManagerRunner>(tm);
    tm_->start();

    spec_.set_kind("builtin");
    spec_.set_name("nexmark");
    for (const std::string& a : {"query=q0", "events=1099511627776", "tps=1000"}) spec_.add_args(a);
    spec_.add_args("sink=file:" + out_.path.string());
    auto& config = *spec_.mutable_config();
    config["parallelism.default"] = "1";
    config["execution.checkpointing.interval"] = "50 ms";
    config["execution.checkpointing.dir"] = checkpoints_.path.string();
    config["restart-strategy.type"] = "none";
  }
  ~TaskRpcIndices() override {
    tm_->shutdown("test over");
    jm_->shutdown();
  }

  bool all_running() const {
    auto eg = job_->snapshot();
    return job_->status() == JobStatus::kRunning && eg.count(ExecutionState::kRunning) == eg.total();
  }
  static std::unique_ptr<grpc::ClientContext> context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }
  //! Every message of the task gateway from `task`, as a TaskManager sends them; their statuses.
  std::vector<grpc::Status> send_task_messages(const ExecutionAttemptId& task, int64_t checkpoint_id) {
    auto stub = weir::rpc::JobManagerService::NewStub(
        grpc::CreateChannel(jm_->address(), grpc::InsecureChannelCredentials()));
    std::vector<grpc::Status> out;
    weir::rpc::Empty empty;
    for (const char* state : {"FAILED", "FINISHED", "CANCELED"}) {
      weir::rpc::TaskStateUpdate u;
      to_proto(task, u.mutable_task());
      u.set_state(state);
      u.set_error(kStrangerError);
      out.push_back(stub->UpdateTaskState(context().get(), u, &empty));
    }
    CheckpointAck ack;
    ack.id = task;
    ack.checkpoint_id = checkpoint_id;
    ack.handle.file = "0-0";  // a well-formed handle (of subtask 0 of vertex 0): only `task` is wrong
    weir::rpc::CheckpointAck a;
    to_proto(ack, &a);
    out.push_back(stub->AcknowledgeCheckpoint(context().get(), a, &empty));
    weir::rpc::DeclineCheckpointRequest d;
    to_proto(task, d.mutable_task());
    d.set_checkpoint_id(checkpoint_id);
    d.set_reason("a decline of a subtask the job does not have");
    out.push_back(stub->DeclineCheckpoint(context().get(), d, &empty));
    weir::rpc::TaskRequest e;
    to_proto(task, e.mutable_task());
    out.push_back(stub->NotifyEndOfData(context().get(), e, &empty));
    return out;
  }

  TempDir out_, checkpoints_;
  weir::rpc::JobSpec spec_;
  std::unique_ptr<JobManagerServer> jm_;
  std::unique_ptr<TaskManagerRunner> tm_;
  std::shared_ptr<JobMaster> job_;
};

TEST_F(TaskRpcIndices, TaskMessagesNamingASubtaskTheJobDoesNotHaveChangeNothing) {
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  const JobId id = jm_->submit_job(spec_);
  job_ = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return all_running() && job_->checkpoint_stats().completed >= 1; }));
  for (const auto& task : strangers(*job_)) {
    SCOPED_TRACE(fmt::format("attempt {}, vertex {}, subtask {}", task.attempt, task.vertex, task.subtask));
    // The next few checkpoint ids: one of them is pending now or soon, which a decline would abort and an
    // acknowledgement complete without the real task's state.
    const int64_t next = job_->checkpoint_stats().triggered;
    for (int64_t checkpoint = next; checkpoint <= next + 2; ++checkpoint)
      for (const auto& status : send_task_messages(task, checkpoint)) {
        if (task.vertex < 0 || task.subtask < 0) {
          // Refused by the RPC conversion, naming the number.
          EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
          EXPECT_NE(status.error_message().find("negative number"), std::string::npos)
              << status.error_message();
        } else {
          // The job is known, the subtask or attempt is not its: ignored by the JobMaster.
          EXPECT_TRUE(status.ok()) << status.error_message();
        }
      }
  }
  expect_unharmed(*job_);

  // The same report from a subtask the job has is applied (so those above reached the job): it fails.
  for (const auto& status : send_task_messages({id, 0, 0, 0}, 0)) EXPECT_TRUE(status.ok());
  ASSERT_EQ(job_->wait(std::chrono::seconds(60)), JobStatus::kFailed);
  EXPECT_NE(job_->failure().find(kStrangerError), std::string::npos) << job_->failure();
}

// The JobMaster's own checks (JobMaster::is_current_locked), behind the RPC conversion's: the same messages
// through its gateway in one process (a MiniCluster, whose TaskExecutors call the gateway directly), negative
// numbers included.
TEST(TaskGatewayIndices, TheJobMasterAppliesNoMessageOfASubtaskItDoesNotHave) {
  TempDir checkpoints;
  cluster::MiniClusterConfig c;
  c.num_task_managers = 1;
  c.slots_per_task_manager = 1;
  auto mc = std::make_shared<cluster::MiniCluster>(c);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(1);
  env->configure("restart-strategy.type", "none");
  env->configure("execution.checkpointing.interval", "20 ms");
  env->configure("execution.checkpointing.dir", checkpoints.path.string());
  env->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 2'000)
      .add_sink([](const int64_t&) {});
  cluster::JobClient client = mc->submit(env->get_job_graph());
  auto jm = mc->dispatcher().job(client.job_id());
  ASSERT_TRUE(eventually([&] { return jm->checkpoint_stats().completed >= 1; }));
  auto send = [&](const ExecutionAttemptId& task, int64_t checkpoint) {
    for (auto state : {ExecutionState::kFailed, ExecutionState::kFinished, ExecutionState::kCanceled})
      jm->update_task_execution_state({task, state, kStrangerError});
    CheckpointAck ack;
    ack.id = task;
    ack.checkpoint_id = checkpoint;
    ack.handle = {task.vertex, task.subtask, "0-0"};
    jm->acknowledge_checkpoint(ack);
    jm->decline_checkpoint(task, checkpoint, "a decline of a subtask the job does not have");
    jm->notify_end_of_data(task);
  };
  for (const auto& task : strangers(*jm)) {
    SCOPED_TRACE(fmt::format("attempt {}, vertex {}, subtask {}", task.attempt, task.vertex, task.subtask));
    const int64_t next = jm->checkpoint_stats().triggered;
    for (int64_t checkpoint = next; checkpoint <= next + 2; ++checkpoint) send(task, checkpoint);
  }
  expect_unharmed(*jm);

  send({jm->id(), 0, 0, 0}, 0);
  ASSERT_EQ(client.wait_for(std::chrono::seconds(60)), JobStatus::kFailed);
  EXPECT_NE(jm->failure().find(kStrangerError), std::string::npos) << jm->failure();
  mc->close();
}

TEST_F(TaskRpcIndices, ATaskManagerRefusesADeploymentOfASubtaskTheJobDoesNotHave) {
  ASSERT_TRUE(eventually([&] { return jm_->resource_manager().total_slots() == 2; }));
  const JobId id = jm_->submit_job(spec_);
  job_ = jm_->dispatcher().job(id);
  ASSERT_TRUE(eventually([&] { return all_running(); }));
  const size_t tasks = tm_->num_running_tasks();
  const int vertices = static_cast<int>(job_->job_graph().vertices.size());
  const int parallelism = job_->job_graph().vertices[0].parallelism;
  auto stub = weir::rpc::TaskManagerService::NewStub(
      grpc::CreateChannel(tm_->rpc_address(), grpc::InsecureChannelCredentials()));
  for (const auto& [vertex, subtask] : std::vector<std::pair<int, int>>{
           {-1, 0}, {0, -1}, {vertices, 0}, {0, parallelism}, {INT_MIN, INT_MAX}}) {
    SCOPED_TRACE(fmt::format("vertex {}, subtask {}", vertex, subtask));
    weir::rpc::SubmitTaskRequest req;
    to_proto(ExecutionAttemptId{id, 7, vertex, subtask}, req.mutable_task());
    req.set_job_name("stray");
    *req.mutable_spec() = spec_;
    req.set_job_manager_id(jm_->id());
    weir::rpc::SubmitTaskResponse resp;
    ASSERT_TRUE(stub->SubmitTask(context().get(), req, &resp).ok());
    EXPECT_FALSE(resp.accepted());
    const std::string why = vertex < 0 || subtask < 0
                                ? fmt::format("vertex {}, subtask {}", vertex, subtask)
                                : fmt::format("no subtask {} of vertex {}", subtask, vertex);
    EXPECT_NE(resp.reason().find(why), std::string::npos) << resp.reason();
  }
  // Nothing was deployed, and the job's own tasks run on.
  EXPECT_EQ(tm_->num_running_tasks(), tasks);
  for (const auto& t : tm_->task_metrics()) EXPECT_NE(t.attempt, 7);
  EXPECT_TRUE(all_running());
  EXPECT_TRUE(job_->exception_history().empty());
  job_->cancel();
  EXPECT_EQ(job_->wait(std::chrono::seconds(60)), JobStatus::kCanceled);
}

}  // namespace
}  // namespace weir::cluster::rpc
