// The remote environment (weir/client/remote_environment.h) against a standalone cluster in this process:
// a JobManagerServer with its REST API (the routes `weir jobmanager` serves) and a TaskManagerRunner, over
// gRPC and HTTP on loopback. The program is tests/jobs/remote_job.h; the cluster builds the job from the
// job library made of the same main (tests/jobs/remote_job.cc). The expected output is computed here.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../jobs/remote_job.h"
#include "../support/loopback.h"
#include "it_support.h"
#include "weir/client/remote_environment.h"
#include "weir/client/rest_client.h"
#include "weir/cluster/rest/job_manager_endpoints.h"
#include "weir/cluster/rest/job_submission_endpoints.h"
#include "weir/cluster/rest/rest_server.h"
#include "weir/cluster/rpc/job_manager_server.h"
#include "weir/cluster/rpc/task_manager_runner.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::eventually;
using testing::published_lines;
using testing::TempDir;

class RemoteEnvironment : public ::testing::Test {
 protected:
  RemoteEnvironment() {
    Configuration base;
    base.set("jobmanager.rpc.address", "127.0.0.1");
    base.set("taskmanager.host", "127.0.0.1");
    Configuration jm = base;
    jm.set("jobmanager.rpc.port", "0");
    jm_ = std::make_unique<cluster::rpc::JobManagerServer>(jm);
    endpoints_ = std::make_unique<cluster::rest::JobManagerEndpoints>(jm_->registry(), jm, &jm_->dispatcher(),
                                                                      jm_.get());
    endpoints_->add_routes(rest_);
    submission_ = std::make_unique<cluster::rest::JobSubmissionEndpoints>(
        [this](const weir::rpc::JobSpec& spec) { return jm_->submit_job(spec); },
        [this](const std::string& bytes) { return jm_->blob_server().put(bytes).hex(); });
    submission_->add_routes(rest_);
    rest_.start("127.0.0.1", 0, "test");
    port_ = std::stoi(rest_.address().substr(rest_.address().rfind(':') + 1));
    Configuration tm = base;
    tm.set("jobmanager.rpc.port", jm_->address().substr(jm_->address().rfind(':') + 1));
    tm.set("taskmanager.numberOfTaskSlots", "2");
    tm.set("taskmanager.rpc.port", "0");
    tm.set("taskmanager.data.port", "0");
    tm_ = std::make_unique<cluster::rpc::TaskManagerRunner>(tm);
    tm_->start();
  }
  ~RemoteEnvironment() override {
    rest_.stop();
    tm_->shutdown("test over");
    jm_->shutdown();
  }

  // The program's arguments: HOST PORT LIBRARY MODE OUT.
  std::vector<std::string> args(const std::string& mode) const {
    return {"remote_job", "127.0.0.1",       std::to_string(port_), WEIR_REMOTE_JOB_LIBRARY,
            mode,         out_.path.string()};
  }
  //! The program's environment for `mode`, its pipeline defined.
  std::unique_ptr<StreamExecutionEnvironment> environment(const std::string& mode) const {
    auto a = args(mode);
    std::vector<char*> argv;
    for (auto& s : a) argv.push_back(s.data());
    return testing::remote_job_environment(static_cast<int>(argv.size()), argv.data());
  }
  static int run_program(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return testing::remote_job_main(static_cast<int>(argv.size()), argv.data());
  }
  static bool running_or_ended(const JobClient& job) {
    JobStatus s = job.get_job_status();
    return s == JobStatus::kRunning || cluster::is_terminal(s);
  }
  std::string job_state(const JobId& id) {
    auto r = client::RestClient(rest_.address()).get("/jobs/" + id.to_string());
    return r.status == 200 ? r.body.value("state", "") : "HTTP " + std::to_string(r.status);
  }

  TempDir out_;
  std::unique_ptr<cluster::rpc::JobManagerServer> jm_;
  cluster::rest::RestServer rest_;  // declared after jm_: its handlers read the JobManager
  std::unique_ptr<cluster::rest::JobManagerEndpoints> endpoints_;
  std::unique_ptr<cluster::rest::JobSubmissionEndpoints> submission_;
  std::unique_ptr<cluster::rpc::TaskManagerRunner> tm_;
  int port_ = 0;
};

// What the `sums` job writes: per residue class of 1..2000 mod 7, the running sum after each element.
std::multiset<std::string> expected_running_sums() {
  std::map<int64_t, int64_t> sum;
  std::multiset<std::string> lines;
  for (int64_t x = 1; x <= 2000; ++x) lines.insert(std::to_string(sum[x % 7] += x));
  return lines;
}

TEST_F(RemoteEnvironment, AProgramRunsItsJobOnTheClusterAndGetsItsResult) {
  EXPECT_EQ(run_program(args("sums")), 0);  // execute() returned: the job finished
  EXPECT_EQ(published_lines(out_.path), expected_running_sums());
  // It ran on the cluster: the JobManager lists it, FINISHED.
  auto jobs = client::RestClient(rest_.address()).get("/jobs/overview");
  ASSERT_EQ(jobs.status, 200);
  ASSERT_EQ(jobs.body["jobs"].size(), 1u);
  EXPECT_EQ(jobs.body["jobs"][0]["name"], "remote-job");
  EXPECT_EQ(jobs.body["jobs"][0]["state"], "FINISHED");
}

TEST_F(RemoteEnvironment, AFailedJobThrowsItsFailureFromExecute) {
  try {
    run_program(args("fails"));
    FAIL() << "execute() returned for a job that failed";
  } catch (const JobExecutionError& e) {
    EXPECT_NE(std::string(e.what()).find("the remote job's map refuses 1000"), std::string::npos) << e.what();
  }
}

// The handle of execute_async() steers the job on the cluster: state, a savepoint, stop-with-savepoint.
TEST_F(RemoteEnvironment, TheJobClientOfARemoteJobTakesSavepointsAndStopsIt) {
  TempDir savepoints;
  auto env = environment("endless");
  JobClient job = env->execute_async("remote-job");
  ASSERT_TRUE(eventually([&] { return running_or_ended(job); }));
  ASSERT_EQ(job.get_job_status(), JobStatus::kRunning)
      << client::RestClient(rest_.address()).get("/jobs/" + job.get_job_id().to_string()).text;
  EXPECT_EQ(job_state(job.get_job_id()), "RUNNING");  // the id is the cluster's
  std::string savepoint = job.trigger_savepoint(savepoints.path.string()).get();
  EXPECT_TRUE(fs::exists(fs::path(savepoint) / "_metadata")) << savepoint;
  std::string stopped = job.stop_with_savepoint(savepoints.path.string()).get();
  EXPECT_TRUE(fs::exists(fs::path(stopped) / "_metadata")) << stopped;
  EXPECT_NE(stopped, savepoint);
  EXPECT_EQ(job.wait_for(std::chrono::seconds(30)), JobStatus::kFinished);
  EXPECT_EQ(job_state(job.get_job_id()), "FINISHED");
  EXPECT_NO_THROW(job.get_job_execution_result());
  EXPECT_EQ(job.mini_cluster(), nullptr);
  try {
    job.job_master();
    FAIL() << "job_master() of a remote job";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("runs on the cluster at 127.0.0.1:"), std::string::npos) << e.what();
  }
}

TEST_F(RemoteEnvironment, CancelEndsTheRemoteJobCanceled) {
  auto env = environment("endless");
  JobClient job = env->execute_async("remote-job");
  ASSERT_TRUE(eventually([&] { return running_or_ended(job); }));
  ASSERT_EQ(job.get_job_status(), JobStatus::kRunning);
  job.cancel();
  EXPECT_THROW(job.get_job_execution_result(), JobCanceledError);
  EXPECT_EQ(job_state(job.get_job_id()), "CANCELED");
}

// A program whose pipeline differs from its library's is refused before anything runs, naming the first
// difference of the two plans.
TEST_F(RemoteEnvironment, AProgramThatBuildsAnotherJobThanItsLibraryIsRefusedNamingTheDifference) {
  auto a = args("sums");
  auto env = create_remote_environment("127.0.0.1", port_, WEIR_REMOTE_JOB_LIBRARY,
                                       std::vector<std::string>(a.begin() + 1, a.end()));
  env->set_parallelism(2);
  env->from_sequence(1, 2000).map([](int64_t x) { return x + 1; }, "Increment").print();
  try {
    env->execute("remote-job");
    FAIL() << "a job whose library builds another plan was accepted";
  } catch (const WeirError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("builds another job than the program that submitted it"), std::string::npos) << m;
    EXPECT_NE(m.find("Increment"), std::string::npos) << m;  // the program's side of the first difference
    EXPECT_NE(m.find("libweir_test_remote_job.so"), std::string::npos) << m;
  }
  auto jobs = client::RestClient(rest_.address()).get("/jobs/overview");
  EXPECT_TRUE(jobs.body["jobs"].empty()) << jobs.text;  // nothing was started
}

TEST_F(RemoteEnvironment, BadAddressesLibrariesAndUnreachableJobManagersAreNamed) {
  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const WeirError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message([] { create_remote_environment("127.0.0.1", 0, "x.so"); }).find("port 0 is not a port"),
            std::string::npos);
  EXPECT_NE(message([] { create_remote_environment("", 8081, "x.so"); }).find("host is empty"),
            std::string::npos);
  EXPECT_NE(message([] { create_remote_environment("127.0.0.1", 8081, ""); }).find("no job library"),
            std::string::npos);

  auto missing = create_remote_environment("127.0.0.1", port_, (out_.path / "missing.so").string());
  missing->from_sequence(1, 3).print();
  std::string m = message([&] { missing->execute("j"); });
  EXPECT_NE(m.find("missing.so' cannot be read"), std::string::npos) << m;

  testing::ClosedPort closed;
  auto unreachable = create_remote_environment("127.0.0.1", closed.port, WEIR_REMOTE_JOB_LIBRARY);
  unreachable->from_sequence(1, 3).print();
  m = message([&] { unreachable->execute("j"); });
  EXPECT_NE(m.find("127.0.0.1:" + std::to_string(closed.port)), std::string::npos) << m;
  EXPECT_NE(m.find("cannot reach"), std::string::npos) << m;

  // Not a job library: the JobManager's refusal comes back.
  fs::path text = out_.path / "notes.txt";
  std::ofstream(text) << "not a library";
  auto wrong = create_remote_environment("127.0.0.1", port_, text.string());
  wrong->from_sequence(1, 3).print();
  m = message([&] { wrong->execute("j"); });
  EXPECT_NE(m.find("refused the upload"), std::string::npos) << m;
  EXPECT_NE(m.find("neither a job library"), std::string::npos) << m;
}

}  // namespace
}  // namespace weir
