// The Dispatcher's job store (jobstore.expiration-time, jobstore.max-capacity): an ended job's JobMaster
// leaves once it expired or more ended jobs than the capacity are kept (the oldest first); its summary
// stays for REST (/jobs/overview, /jobs/:jobid) and `weir list -a`; running jobs never leave; bad values
// are refused naming the key.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/client/rest_client.h"
#include "weir/cluster/rest/job_manager_endpoints.h"
#include "weir/cluster/rest/rest_server.h"
#include "weir/weir.h"

namespace weir {
namespace {

using Json = nlohmann::json;

//! The process's live threads by name (/proc/self/task/*/comm).
std::map<std::string, int> threads_by_name() {
  std::map<std::string, int> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (comm && std::getline(comm, name)) ++out[name];  // a thread that just ended has no comm left
  }
  return out;
}

int total(const std::map<std::string, int>& threads) {
  int n = 0;
  for (const auto& [name, count] : threads) n += count;
  return n;
}

std::string describe(const std::map<std::string, int>& threads) {
  std::string out;
  for (const auto& [name, count] : threads) out += name + " x" + std::to_string(count) + "; ";
  return out;
}

class JobStore : public ::testing::Test {
 protected:
  void start(cluster::JobStoreOptions store) {
    cluster::MiniClusterConfig mc{1, 4, nullptr};
    mc.job_store = store;
    cluster_ = std::make_shared<cluster::MiniCluster>(mc);
    endpoints_ = std::make_unique<cluster::rest::JobManagerEndpoints>(registry_, Configuration{},
                                                                      &cluster_->dispatcher());
    endpoints_->add_routes(server_);
    server_.start("127.0.0.1", 0, "test");
    rest_ = std::make_unique<client::RestClient>(server_.address());
  }
  void TearDown() override {
    server_.stop();
    if (cluster_) cluster_->close();
  }
  std::unique_ptr<StreamExecutionEnvironment> env() {
    auto e = StreamExecutionEnvironment::get_execution_environment();
    e->set_cluster(cluster_);
    e->set_parallelism(1);
    return e;
  }
  //! Runs a bounded job to its end; returns its id.
  JobId run_bounded(const std::string& name) {
    auto e = env();
    e->from_sequence(1, 100).map([](const int64_t& v) { return v * 2; }).collect();
    auto client = e->execute_async(name);
    client.get_job_execution_result();
    return client.get_job_id();
  }
  cluster::Dispatcher& dispatcher() { return cluster_->dispatcher(); }

  std::shared_ptr<cluster::MiniCluster> cluster_;
  cluster::rpc::TaskManagerRegistry registry_;
  std::unique_ptr<cluster::rest::JobManagerEndpoints> endpoints_;
  cluster::rest::RestServer server_;
  std::unique_ptr<client::RestClient> rest_;
};

TEST_F(JobStore, EndedJobsBeyondTheCapacityKeepOnlyTheirSummaryOldestFirst) {
  cluster::JobStoreOptions store;
  store.max_capacity = 2;
  start(store);
  std::vector<JobId> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(run_bounded("job-" + std::to_string(i)));

  // Two keep their JobMaster, two only their summary: the ones that ended first (jobs ending within one
  // millisecond are equally old, so the test checks end times, not submission order).
  std::vector<size_t> archived_ids, whole_ids;
  int64_t newest_archived_end = 0, oldest_whole_end = INT64_MAX;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto jm = dispatcher().job(ids[i]);
    auto summary = dispatcher().archived(ids[i]);
    ASSERT_NE(jm == nullptr, !summary) << "job " << i << " is neither kept nor archived, or both";
    if (summary) {
      archived_ids.push_back(i);
      newest_archived_end = std::max(newest_archived_end, summary->end_ms);
      EXPECT_EQ(summary->name, "job-" + std::to_string(i));
      EXPECT_EQ(summary->status, JobStatus::kFinished);
      EXPECT_GT(summary->start_ms, 0);
      EXPECT_GE(summary->end_ms, summary->start_ms);
    } else {
      whole_ids.push_back(i);
      oldest_whole_end = std::min(oldest_whole_end, jm->end_time_ms());
    }
  }
  ASSERT_EQ(archived_ids.size(), 2u);
  ASSERT_EQ(whole_ids.size(), 2u);
  EXPECT_LE(newest_archived_end, oldest_whole_end) << "a newer job left the store before an older one";
  EXPECT_EQ(dispatcher().list_jobs().size(), 4u);

  // REST: the overview lists all four, the archived ones marked; the summary answers /jobs/:jobid.
  auto overview = rest_->get("/jobs/overview");
  ASSERT_EQ(overview.status, 200) << overview.text;
  int archived = 0, whole = 0;
  for (const auto& j : overview.body["jobs"]) {
    EXPECT_EQ(j["state"], "FINISHED") << j.dump();
    (j.value("archived", false) ? archived : whole)++;
  }
  EXPECT_EQ(archived, 2);
  EXPECT_EQ(whole, 2);
  const size_t a = archived_ids.front();
  auto summary = rest_->get("/jobs/" + ids[a].to_string());
  ASSERT_EQ(summary.status, 200) << summary.text;
  EXPECT_EQ(summary.body["name"], "job-" + std::to_string(a));
  EXPECT_EQ(summary.body["state"], "FINISHED");
  EXPECT_EQ(summary.body["archived"], true);
  auto gone = rest_->get("/jobs/" + ids[a].to_string() + "/exceptions");
  EXPECT_EQ(gone.status, 404);
  EXPECT_NE(gone.text.find("archived"), std::string::npos) << gone.text;
  EXPECT_NE(gone.text.find("jobstore.expiration-time"), std::string::npos) << gone.text;
  auto whole_job = rest_->get("/jobs/" + ids[whole_ids.front()].to_string());
  ASSERT_EQ(whole_job.status, 200);
  EXPECT_FALSE(whole_job.body.contains("archived"));
  EXPECT_FALSE(whole_job.body["vertices"].empty());
}

TEST_F(JobStore, ExpiredJobsLeaveRunningOnesStayAndAFailedOneKeepsItsCause) {
  cluster::JobStoreOptions store;
  store.expiration = std::chrono::milliseconds(0);  // an ended job leaves at once
  start(store);

  // An unbounded job runs while others end: it stays whole.
  auto e = env();
  e->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 1'000)
      .add_sink([](const int64_t&) {});
  auto running = e->execute_async("unbounded");

  auto f = env();
  f->configure("restart-strategy.type", "none");
  f->from_sequence(1, 10)
      .map([](const int64_t& v) -> int64_t { throw std::runtime_error("boom at " + std::to_string(v)); })
      .collect();
  auto failing = f->execute_async("failing");
  EXPECT_THROW(failing.get_job_execution_result(), JobExecutionError);
  JobId bounded = run_bounded("bounded");

  EXPECT_EQ(dispatcher().job(failing.get_job_id()), nullptr);
  auto failed = dispatcher().archived(failing.get_job_id());
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, JobStatus::kFailed);
  EXPECT_NE(failed->failure.find("boom at"), std::string::npos) << failed->failure;
  EXPECT_EQ(dispatcher().job(bounded), nullptr);
  ASSERT_TRUE(dispatcher().archived(bounded));
  auto r = rest_->get("/jobs/" + failing.get_job_id().to_string());
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["state"], "FAILED");
  EXPECT_NE(r.body["failure"].get<std::string>().find("boom at"), std::string::npos) << r.text;

  EXPECT_NE(dispatcher().job(running.get_job_id()), nullptr) << "a running job left the store";
  EXPECT_FALSE(dispatcher().archived(running.get_job_id()));
  running.cancel();
  EXPECT_THROW(running.get_job_execution_result(), JobCanceledError);
  EXPECT_EQ(dispatcher().job(running.get_job_id()), nullptr);
  ASSERT_TRUE(dispatcher().archived(running.get_job_id()));
  EXPECT_EQ(dispatcher().archived(running.get_job_id())->status, JobStatus::kCanceled);
}

// A soak found ~1 live thread per ended job: each kept JobMaster held its timer thread until the store let it
// go. As Flink's JobMaster stops its services when the job ends, an ended job's JobMaster holds no thread:
// the thread count after 30 jobs is that after the first few.
TEST_F(JobStore, EndedJobsKeepNoThreads) {
  start({});  // the defaults: every ended job stays in the store (an hour, up to 1,000 of them)
  constexpr int kWarmUp = 5, kJobs = 30, kSlack = 3;
  std::vector<JobId> ids;
  for (int i = 0; i < kWarmUp; ++i) ids.push_back(run_bounded("warm-up-" + std::to_string(i)));
  // Threads a warm-up job's end still holds for a moment (a task thread its TaskManager's reaper has yet to
  // join) only raise this count: the test stays strict about one thread per job.
  const auto after_warm_up = threads_by_name();
  for (int i = kWarmUp; i < kJobs; ++i) ids.push_back(run_bounded("job-" + std::to_string(i)));
  for (const auto& id : ids) ASSERT_NE(dispatcher().job(id), nullptr) << "the store let a job go";

  std::map<std::string, int> now;
  bool flat = testing::eventually([&] {
    now = threads_by_name();
    return total(now) <= total(after_warm_up) + kSlack;
  });
  EXPECT_TRUE(flat) << total(now) << " threads after " << kJobs << " jobs, " << total(after_warm_up)
                    << " after " << kWarmUp << "\n  now: " << describe(now)
                    << "\n  after the warm-up: " << describe(after_warm_up);
}

TEST(JobStoreOptions, BadValuesAreRefusedNamingTheKey) {
  Configuration conf;
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"jobstore.max-capacity", "-1"},
                                                        {"jobstore.expiration-time", "soon"},
                                                        {"jobstore.expiration-time", "-5"}}) {
    try {
      conf.set(key, value);
      ADD_FAILURE() << key << "=" << value << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  conf.set("jobstore.expiration-time", "60");
  conf.set("jobstore.max-capacity", "5");
  auto o = cluster::JobStoreOptions::from(conf);
  EXPECT_EQ(o.expiration, std::chrono::seconds(60));
  EXPECT_EQ(o.max_capacity, 5);
}

}  // namespace
}  // namespace weir
