// The job REST API on a MiniCluster's Dispatcher, over HTTP on loopback (the real RestServer and
// RestClient): every job endpoint's JSON for a bounded job and for an unbounded checkpointing one;
// cancel ends a job CANCELED; a savepoint triggered over REST exists on disk and a new job restores
// from it; stop-with-savepoint with and without drain; exceptions and restarts of a failing job;
// backpressure of a source feeding a slow consumer; per-job Prometheus gauges; and the errors:
// unknown and malformed job ids, bad bodies, bad savepoint paths, unknown trigger ids, wrong states.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/client/rest_client.h"
#include "weir/cluster/rest/job_manager_endpoints.h"
#include "weir/cluster/rest/metric_history.h"
#include "weir/cluster/rest/rest_server.h"
#include "weir/common/failure_points.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using client::RestReply;
using Json = nlohmann::json;
using testing::eventually;
using testing::TempDir;

class RestJobs : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoints_.add_routes(server_);
    server_.start("127.0.0.1", 0, "test");
    rest_ = std::make_unique<client::RestClient>(server_.address());
  }
  void TearDown() override {
    server_.stop();
    cluster_->close();
  }

  std::unique_ptr<StreamExecutionEnvironment> env() {
    auto e = StreamExecutionEnvironment::get_execution_environment();
    e->set_cluster(cluster_);
    return e;
  }
  // An unbounded job (a paced generator into keyed sums) with checkpoints every 30 ms.
  JobClient start_unbounded(const std::string& name, const fs::path& ckpt,
                            const std::string& restore_from = {}) {
    auto e = env();
    e->set_parallelism(2);
    e->configure("execution.checkpointing.interval", "30 ms");
    e->configure("execution.checkpointing.dir", ckpt.string());
    if (!restore_from.empty()) e->configure("execution.savepoint.path", restore_from);
    auto src = e->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 20'000);
    src.uid("numbers").set_parallelism(1);
    auto sums =
        src.key_by([](const int64_t& v) { return v % 5; }).reduce([](const int64_t& a, const int64_t& b) {
          return a + b;
        });
    sums.uid("sums");
    sums.add_sink([](const int64_t&) {}).uid("discard");
    return e->execute_async(name);
  }
  RestReply get(const std::string& path) { return rest_->get(path); }
  std::string path_of(const JobClient& c, const std::string& rest = {}) {
    return "/jobs/" + c.get_job_id().to_string() + rest;
  }
  bool job_state_is(const JobClient& c, const char* state) {
    auto r = get(path_of(c));
    return r.status == 200 && r.body["state"] == state;
  }
  bool all_subtasks_running(const JobClient& c) {
    auto r = get(path_of(c));
    if (r.status != 200 || r.body["state"] != "RUNNING") return false;
    for (const auto& v : r.body["vertices"])
      for (const auto& s : v["subtasks"])
        if (s["status"] != "RUNNING") return false;
    return true;
  }
  // Polls a trigger's status route until COMPLETED; returns the operation.
  Json await_operation(const JobClient& c, const std::string& kind, const std::string& trigger) {
    Json op;
    bool done = eventually([&] {
      auto r = get(path_of(c, "/" + kind + "/" + trigger));
      EXPECT_EQ(r.status, 200) << r.text;
      if (r.body["status"]["id"] != "COMPLETED") return false;
      op = r.body["operation"];
      return true;
    });
    EXPECT_TRUE(done) << kind << " " << trigger << " never completed";
    return op;
  }
  std::string trigger(const JobClient& c, const std::string& what, const Json& body) {
    auto r = rest_->post(path_of(c, "/" + what), body);
    EXPECT_EQ(r.status, 202) << r.text;
    EXPECT_TRUE(r.body.contains("request-id")) << r.text;
    return r.body.value("request-id", "");
  }

  std::shared_ptr<cluster::MiniCluster> cluster_ =
      std::make_shared<cluster::MiniCluster>(cluster::MiniClusterConfig{1, 8, nullptr});
  cluster::rpc::TaskManagerRegistry registry_;
  cluster::rest::JobManagerEndpoints endpoints_{registry_, Configuration{}, &cluster_->dispatcher()};
  cluster::rest::RestServer server_;
  std::unique_ptr<client::RestClient> rest_;
};

TEST_F(RestJobs, BoundedJobDetailsPlanExceptionsAndCheckpoints) {
  auto e = env();
  e->set_parallelism(2);
  auto out = e->from_sequence(1, 1000).rebalance().map([](const int64_t& v) { return v * 2; }).collect();
  auto client = e->execute_async("bounded");
  client.get_job_execution_result();
  ASSERT_EQ(out->size(), 1000u);
  std::string id = client.get_job_id().to_string();

  auto list = get("/jobs");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body, (Json{{"jobs", Json::array({Json{{"id", id}, {"status", "FINISHED"}}})}}));

  auto overview = get("/jobs/overview");
  ASSERT_EQ(overview.body["jobs"].size(), 1u) << overview.text;
  const Json& o = overview.body["jobs"][0];
  EXPECT_EQ(o["jid"], id);
  EXPECT_EQ(o["name"], "bounded");
  EXPECT_EQ(o["state"], "FINISHED");
  EXPECT_GT(o["end-time"].get<int64_t>(), 0);
  EXPECT_EQ(o["duration"].get<int64_t>(), o["end-time"].get<int64_t>() - o["start-time"].get<int64_t>());
  EXPECT_EQ(o["tasks"]["total"], o["tasks"]["finished"]);

  auto details = get("/jobs/" + id);
  ASSERT_EQ(details.status, 200) << details.text;
  const Json& d = details.body;
  EXPECT_EQ(d["state"], "FINISHED");
  EXPECT_EQ(d["restarts"], 0);
  const graph::JobGraph* jg = &client.job_master().job_graph();
  ASSERT_EQ(d["vertices"].size(), jg->vertices.size());
  for (size_t v = 0; v < jg->vertices.size(); ++v) {
    const Json& vx = d["vertices"][v];
    EXPECT_EQ(vx["id"], std::to_string(v));
    EXPECT_EQ(vx["name"], jg->vertices[v].name);
    EXPECT_EQ(vx["status"], "FINISHED");
    ASSERT_EQ(vx["subtasks"].size(), static_cast<size_t>(jg->vertices[v].parallelism));
    for (const auto& s : vx["subtasks"]) {
      EXPECT_EQ(s["status"], "FINISHED");
      EXPECT_EQ(s["attempt"], 0);
      EXPECT_EQ(s["taskmanager-id"], "tm-0");
    }
    EXPECT_EQ(vx["tasks"]["FINISHED"], jg->vertices[v].parallelism);
  }

  auto plan = get("/jobs/" + id + "/plan");
  ASSERT_EQ(plan.status, 200);
  const Json& nodes = plan.body["plan"]["nodes"];
  ASSERT_EQ(nodes.size(), jg->vertices.size());
  EXPECT_FALSE(nodes[0].contains("inputs"));  // the source
  ASSERT_EQ(nodes[1]["inputs"].size(), 1u);
  EXPECT_EQ(nodes[1]["inputs"][0]["id"], "0");
  EXPECT_EQ(nodes[1]["inputs"][0]["ship_strategy"], "REBALANCE");

  auto ex = get("/jobs/" + id + "/exceptions");
  ASSERT_EQ(ex.status, 200);
  EXPECT_TRUE(ex.body["root-exception"].is_null());
  EXPECT_TRUE(ex.body["exceptionHistory"]["entries"].empty());

  auto cp = get("/jobs/" + id + "/checkpoints");
  ASSERT_EQ(cp.status, 200);
  EXPECT_EQ(cp.body["counts"]["completed"], 0);
  EXPECT_TRUE(cp.body["latest"]["completed"].is_null());
  EXPECT_TRUE(cp.body["history"].empty());

  // /overview counts it; acting on a finished job is a conflict that says why.
  EXPECT_EQ(get("/overview").body["jobs-finished"], 1);
  auto cancel = rest_->patch("/jobs/" + id + "?mode=cancel");
  EXPECT_EQ(cancel.status, 409);
  EXPECT_EQ(cancel.error_message(), "cannot cancel job " + id + ": it has already ended FINISHED");
  TempDir sp;
  auto late = rest_->post("/jobs/" + id + "/savepoints", Json{{"target-directory", sp.path.string()}});
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.error_message(), "cannot take a savepoint of job " + id + ": it is FINISHED, not RUNNING");
}

TEST_F(RestJobs, CheckpointsTriggeredAndReportedOverRest) {
  TempDir ckpt;
  auto client = start_unbounded("checkpointing", ckpt.path);
  ASSERT_TRUE(
      eventually([&] { return get(path_of(client, "/checkpoints")).body["counts"]["completed"] >= 2; }));

  std::string t = trigger(client, "checkpoints", Json::object());
  Json op = await_operation(client, "checkpoints", t);
  ASSERT_TRUE(op.contains("checkpointId")) << op;
  int64_t id = op["checkpointId"];
  EXPECT_GT(id, 0);
  EXPECT_TRUE(fs::exists(fs::path(op["location"].get<std::string>()) / "_metadata")) << op;

  auto cp = get(path_of(client, "/checkpoints"));
  const Json& b = cp.body;
  EXPECT_GE(b["counts"]["completed"].get<int64_t>(), 3);
  EXPECT_EQ(b["counts"]["total"].get<int64_t>(), b["counts"]["completed"].get<int64_t>() +
                                                     b["counts"]["failed"].get<int64_t>() +
                                                     b["counts"]["in_progress"].get<int64_t>());
  const Json& latest = b["latest"]["completed"];
  ASSERT_FALSE(latest.is_null());
  EXPECT_GE(latest["id"].get<int64_t>(), id);
  EXPECT_EQ(latest["status"], "COMPLETED");
  EXPECT_GT(latest["state_size"].get<int64_t>(), 0);
  ASSERT_FALSE(b["history"].empty());
  EXPECT_EQ(b["history"][0]["id"], latest["id"]);  // newest first
  for (const auto& h : b["history"])
    EXPECT_TRUE(fs::exists(fs::path(h["external_path"].get<std::string>()) / "_metadata")) << h;
  EXPECT_LE(b["summary"]["end_to_end_duration"]["min"].get<int64_t>(),
            b["summary"]["end_to_end_duration"]["max"].get<int64_t>());
  EXPECT_GT(b["summary"]["state_size"]["max"].get<int64_t>(), 0);
  EXPECT_TRUE(b["latest"]["restored"].is_null());

  // Prometheus gauges of the job.
  auto metrics = get("/metrics").text;
  std::string labels = "job_id=\"" + client.get_job_id().to_string() + "\",job_name=\"checkpointing\"";
  EXPECT_NE(metrics.find("weir_job_status{" + labels + ",status=\"RUNNING\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("weir_job_restarts_total{" + labels + "} 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("weir_job_checkpoints_completed_total{" + labels + "} "), std::string::npos);
  EXPECT_NE(metrics.find("weir_job_last_checkpoint_size_bytes{" + labels + "} "), std::string::npos);
  EXPECT_NE(metrics.find("weir_jobmanager_jobs_running 1\n"), std::string::npos) << metrics;

  // Cancel over REST: 202, then CANCELED.
  auto cancel = rest_->patch(path_of(client) + "?mode=cancel");
  EXPECT_EQ(cancel.status, 202) << cancel.text;
  EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
  EXPECT_TRUE(job_state_is(client, "CANCELED"));
  EXPECT_EQ(get("/overview").body["jobs-cancelled"], 1);
}

// The metrics behind the web UI: per-vertex and per-subtask counts and rates over a window, their
// history, watermarks, the job's configuration and one checkpoint's details; malformed and unknown vertex or
// checkpoint ids.
TEST_F(RestJobs, VertexMetricsHistoryAndCheckpointDetails) {
  TempDir ckpt;
  auto client = start_unbounded("metrics", ckpt.path);
  ASSERT_TRUE(eventually([&] { return all_subtasks_running(client); }));
  // The source writes and the keyed vertex reads, both at a positive rate (the history samples once a
  // second and rates need two samples).
  auto rate = [](const Json& m, const char* name) {
    return m[name].is_number() ? m[name].get<double>() : 0.0;
  };
  ASSERT_TRUE(eventually(
      [&] {
        auto r = get(path_of(client));
        const Json& v = r.body["vertices"];
        return r.status == 200 && rate(v[0]["metrics"], "write-records-per-second") > 0 &&
               rate(v[1]["metrics"], "read-records-per-second") > 0;
      },
      std::chrono::seconds(20)))
      << get(path_of(client)).text;
  auto first = get(path_of(client, "/vertices/0"));
  ASSERT_EQ(first.status, 200) << first.text;
  EXPECT_EQ(first.body["id"], "0");
  EXPECT_EQ(first.body["parallelism"], 1);
  ASSERT_EQ(first.body["subtasks"].size(), 1u);
  EXPECT_EQ(first.body["subtasks"][0]["status"], "RUNNING");
  int64_t written = first.body["metrics"]["write-records"];
  EXPECT_GT(written, 0);
  EXPECT_EQ(first.body["subtasks"][0]["metrics"]["write-records"], written);
  EXPECT_TRUE(first.body["metrics"]["backpressure-level"].is_string()) << first.text;
  ASSERT_TRUE(eventually(
      [&] { return get(path_of(client, "/vertices/0")).body["metrics"]["write-records"] > written; }));
  auto keyed = get(path_of(client, "/vertices/1/subtasks/metrics"));
  ASSERT_EQ(keyed.status, 200) << keyed.text;
  EXPECT_EQ(keyed.body["subtasks"].size(), 2u);
  EXPECT_GT(keyed.body["metrics"]["read-records"].get<int64_t>(), 0);
  auto watermarks = get(path_of(client, "/vertices/1/watermarks"));
  EXPECT_EQ(watermarks.status, 200);
  EXPECT_TRUE(watermarks.body.is_array()) << watermarks.text;

  auto history = get(path_of(client, "/metrics/history"));
  ASSERT_EQ(history.status, 200) << history.text;
  EXPECT_EQ(history.body["interval-ms"], 1000);
  EXPECT_EQ(history.body["vertices"].size(), 2u);
  ASSERT_GE(history.body["samples"].size(), 1u);
  const Json& last = history.body["samples"].back();
  EXPECT_GT(last["time"].get<int64_t>(), 0);
  ASSERT_EQ(last["vertices"].size(), 2u);

  auto config = get(path_of(client, "/config"));
  ASSERT_EQ(config.status, 200) << config.text;
  EXPECT_EQ(config.body["execution-config"]["user-config"]["execution.checkpointing.interval"], "30 ms");
  EXPECT_EQ(config.body["execution-config"]["job-parallelism"], 2);

  ASSERT_TRUE(eventually([&] { return !get(path_of(client, "/checkpoints")).body["history"].empty(); }));
  int64_t id = get(path_of(client, "/checkpoints")).body["history"][0]["id"];
  auto details = get(path_of(client, "/checkpoints/details/" + std::to_string(id)));
  ASSERT_EQ(details.status, 200) << details.text;
  EXPECT_EQ(details.body["id"], id);
  EXPECT_EQ(details.body["status"], "COMPLETED");

  auto error = [&](const std::string& rest) {
    auto r = get(path_of(client, rest));
    return std::to_string(r.status) + " " +
           (r.body.contains("errors") ? r.body["errors"][0].get<std::string>() : r.text);
  };
  std::string job = client.get_job_id().to_string();
  EXPECT_EQ(error("/vertices/x"),
            "400 malformed vertex id 'x': vertex ids are the numbers /jobs/" + job + " lists");
  EXPECT_EQ(error("/vertices/7"), "404 job " + job + " has no vertex 7");
  EXPECT_EQ(error("/vertices/7/watermarks"), "404 job " + job + " has no vertex 7");
  auto starts_with = [](const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
  };
  EXPECT_PRED2(starts_with, error("/checkpoints/details/abc"),
               "400 malformed checkpoint id 'abc': checkpoint ids");
  EXPECT_PRED2(starts_with, error("/checkpoints/details/999999"),
               "404 job " + job + " keeps no checkpoint 999999 (it keeps the ");
  client.cancel();
  EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
}

// The metric sampler's thread catches what a round throws: the round's samples are lost, the thread (and the
// process) goes on and the next rounds sample. Every sampler in the process hits the failure point (this one
// and the endpoints'); whichever threw, the samples below come from rounds after the failed ones.
TEST_F(RestJobs, AMetricSamplingRoundThatThrowsIsLostAndTheNextRoundsSample) {
  TempDir ckpt;
  auto client = start_unbounded("sampled", ckpt.path);
  ASSERT_TRUE(eventually([&] { return all_subtasks_running(client); }));
  FailurePoints::arm("rest.metric-history.round", 1, 3);
  cluster::rest::MetricHistory history(&cluster_->dispatcher(), std::chrono::milliseconds(10));
  ASSERT_TRUE(eventually([] { return FailurePoints::fired("rest.metric-history.round") == 3; }));
  EXPECT_TRUE(eventually([&] { return history.samples(client.get_job_id()).size() >= 2; }))
      << "no round sampled after the ones that threw";
  FailurePoints::disarm_all();
  auto samples = history.samples(client.get_job_id());
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples.back().vertices.size(), 2u);
  client.cancel();
  EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
}

TEST_F(RestJobs, SavepointOverRestExistsOnDiskAndRestores) {
  TempDir ckpt, sp, ckpt2;
  auto client = start_unbounded("savepointing", ckpt.path);
  ASSERT_TRUE(eventually([&] { return all_subtasks_running(client); }));
  std::string t = trigger(client, "savepoints", Json{{"target-directory", sp.path.string()}});
  Json op = await_operation(client, "savepoints", t);
  ASSERT_TRUE(op.contains("location")) << op;
  std::string location = op["location"];
  EXPECT_EQ(fs::path(location).parent_path(), sp.path);
  EXPECT_EQ(fs::path(location).filename().string().rfind(
                "savepoint-" + client.get_job_id().to_string().substr(0, 6), 0),
            0u);
  EXPECT_TRUE(fs::exists(fs::path(location) / "_metadata"));
  EXPECT_TRUE(job_state_is(client, "RUNNING"));  // a plain savepoint leaves the job running
  auto stats = get(path_of(client, "/checkpoints")).body;
  EXPECT_EQ(stats["latest"]["savepoint"]["external_path"], location) << stats;
  EXPECT_EQ(stats["latest"]["savepoint"]["is_savepoint"], true);
  ASSERT_TRUE(eventually([&] {  // a periodic checkpoint after the savepoint is the latest completed
    auto l = get(path_of(client, "/checkpoints")).body["latest"]["completed"];
    return !l.is_null() && l["id"] > stats["latest"]["savepoint"]["id"] && l["is_savepoint"] == false;
  }));
  client.cancel();
  client.wait_for(std::chrono::seconds(30));

  // A new job starts from it and says so.
  auto resumed = start_unbounded("resumed", ckpt2.path, location);
  ASSERT_TRUE(eventually([&] { return all_subtasks_running(resumed); }));
  auto cp = get(path_of(resumed, "/checkpoints"));
  EXPECT_EQ(cp.body["counts"]["restored"], 1) << cp.text;
  EXPECT_EQ(cp.body["latest"]["restored"]["external_path"], location);
  EXPECT_EQ(cp.body["latest"]["restored"]["is_savepoint"], true);
  EXPECT_TRUE(get(path_of(resumed, "/exceptions")).body["exceptionHistory"]["entries"].empty());

  // cancel-job: the savepoint is taken, then the job is canceled.
  std::string t2 =
      trigger(resumed, "savepoints", Json{{"target-directory", sp.path.string()}, {"cancel-job", true}});
  Json op2 = await_operation(resumed, "savepoints", t2);
  EXPECT_TRUE(fs::exists(fs::path(op2["location"].get<std::string>()) / "_metadata")) << op2;
  EXPECT_EQ(resumed.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
}

TEST_F(RestJobs, StopWithSavepointWithAndWithoutDrain) {
  for (bool drain : {false, true}) {
    SCOPED_TRACE(drain ? "drain" : "no drain");
    TempDir ckpt, sp;
    auto client = start_unbounded(drain ? "drained" : "stopped", ckpt.path);
    ASSERT_TRUE(eventually([&] { return all_subtasks_running(client); }));
    std::string t = trigger(client, "stop", Json{{"targetDirectory", sp.path.string()}, {"drain", drain}});
    Json op = await_operation(client, "savepoints", t);  // the stop's status is on the savepoints route
    ASSERT_TRUE(op.contains("location")) << op;
    EXPECT_TRUE(fs::exists(fs::path(op["location"].get<std::string>()) / "_metadata"));
    EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kFinished);
    EXPECT_TRUE(job_state_is(client, "FINISHED"));
    // The trigger id belongs to the savepoints route of this job only.
    EXPECT_EQ(get(path_of(client, "/checkpoints/" + t)).status, 404);
  }
}

TEST_F(RestJobs, FailuresShowInExceptionsRestartsAndMetrics) {
  auto failed_once = std::make_shared<std::atomic<bool>>(false);
  auto e = env();
  e->configure("restart-strategy.type", "fixed-delay");
  e->configure("restart-strategy.fixed-delay.attempts", "3");
  e->configure("restart-strategy.fixed-delay.delay", "10 ms");
  auto out = e->from_sequence(1, 100)
                 .map([failed_once](const int64_t& v) {
                   if (v == 50 && !failed_once->exchange(true)) throw std::runtime_error("boom at 50");
                   return v;
                 })
                 .collect();
  auto client = e->execute_async("flaky");
  client.get_job_execution_result();
  auto ex = get(path_of(client, "/exceptions"));
  ASSERT_EQ(ex.status, 200);
  const Json& entries = ex.body["exceptionHistory"]["entries"];
  ASSERT_EQ(entries.size(), 1u) << ex.text;
  EXPECT_NE(entries[0]["stacktrace"].get<std::string>().find("boom at 50"), std::string::npos) << ex.text;
  EXPECT_GT(entries[0]["timestamp"].get<int64_t>(), 0);
  EXPECT_NE(ex.body["root-exception"].get<std::string>().find("boom at 50"), std::string::npos);
  EXPECT_EQ(get(path_of(client)).body["restarts"], 1);
  std::string labels = "job_id=\"" + client.get_job_id().to_string() + "\",job_name=\"flaky\"";
  EXPECT_NE(get("/metrics").text.find("weir_job_restarts_total{" + labels + "} 1\n"), std::string::npos);
  auto none = get(path_of(client, "/exceptions?maxExceptions=0"));
  EXPECT_TRUE(none.body["exceptionHistory"]["entries"].empty());
  EXPECT_EQ(none.body["exceptionHistory"]["truncated"], true);
}

// web.exception-history-size bounds what a job keeps of its failures (Flink's key, default 16): the newest
// ones stay, and REST says the history is truncated. A bad value is refused naming the key.
TEST_F(RestJobs, ExceptionHistoryKeepsTheNewestWebExceptionHistorySizeFailures) {
  auto e = env();
  EXPECT_THROW(e->configure("web.exception-history-size", "0"), ConfigError);
  try {
    e->configure("web.exception-history-size", "lots");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("web.exception-history-size"), std::string::npos) << err.what();
  }
  e->set_parallelism(1);  // one failure per attempt
  e->configure("web.exception-history-size", "3");
  e->configure("restart-strategy.type", "fixed-delay");
  e->configure("restart-strategy.fixed-delay.attempts", "5");
  e->configure("restart-strategy.fixed-delay.delay", "0 ms");
  e->from_sequence(1, 100)
      .map([](const int64_t& v) -> int64_t { throw std::runtime_error("always " + std::to_string(v)); })
      .collect();
  auto client = e->execute_async("always failing");
  EXPECT_THROW(client.get_job_execution_result(), JobExecutionError);
  const auto& jm = client.job_master();
  EXPECT_EQ(jm.exceptions_total(), 6u);  // the first run and five restarts
  const auto kept = jm.exception_history();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept.front().attempt, 3);  // the newest three: attempts 3, 4, 5
  EXPECT_EQ(kept.back().attempt, 5);
  auto ex = get(path_of(client, "/exceptions"));
  ASSERT_EQ(ex.status, 200);
  EXPECT_EQ(ex.body["exceptionHistory"]["entries"].size(), 3u) << ex.text;
  EXPECT_EQ(ex.body["exceptionHistory"]["truncated"], true) << ex.text;
  EXPECT_EQ(ex.body["exceptionHistory"]["entries"][0]["attempt"], 5) << ex.text;  // newest first
}

TEST_F(RestJobs, BackpressureOfASourceFeedingASlowConsumer) {
  auto e = env();
  e->set_parallelism(1);
  auto src = e->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40);
  src.uid("fast");
  // The consumer spends 50 us of CPU per record: a slow operator, not a wait (and short enough that
  // cancellation, checked between records, is quick).
  auto slow = src.rebalance().map([](const int64_t& v) {
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (std::chrono::steady_clock::now() < until) {
    }
    return v;
  });
  slow.add_sink([](const int64_t&) {});
  auto client = e->execute_async("backpressured");
  ASSERT_TRUE(eventually([&] { return all_subtasks_running(client); }));
  Json source;
  // The source fills its output pool within moments of starting; then it waits nearly all the time.
  ASSERT_TRUE(eventually([&] {
    auto r = get(path_of(client, "/vertices/0/backpressure"));
    source = r.body;
    return r.status == 200 && r.body["backpressureLevel"] == "high";
  })) << source;
  EXPECT_EQ(source["status"], "ok");
  ASSERT_EQ(source["subtasks"].size(), 1u);
  EXPECT_EQ(source["subtasks"][0]["backpressureLevel"], "high");
  EXPECT_GT(source["subtasks"][0]["ratio"].get<double>(), 0.5);
  auto consumer = get(path_of(client, "/vertices/1/backpressure"));
  ASSERT_EQ(consumer.status, 200) << consumer.text;
  EXPECT_EQ(consumer.body["backpressureLevel"], "ok") << consumer.text;  // nothing downstream is slower

  EXPECT_EQ(get(path_of(client, "/vertices/7/backpressure")).status, 404);
  auto bad = get(path_of(client, "/vertices/x1/backpressure"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.error_message().find("malformed vertex id 'x1'"), std::string::npos) << bad.text;
  client.cancel();
  EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
  auto after = get(path_of(client, "/vertices/0/backpressure"));
  EXPECT_EQ(after.body["status"], "unavailable") << after.text;  // nothing runs to measure
}

TEST_F(RestJobs, ErrorsNameTheProblem) {
  TempDir ckpt, sp;
  auto client = start_unbounded("errors", ckpt.path);
  ASSERT_TRUE(eventually([&] { return all_subtasks_running(client); }));
  std::string id = client.get_job_id().to_string();
  auto expect_error = [&](const RestReply& r, int status, const std::string& message) {
    EXPECT_EQ(r.status, status) << r.text;
    EXPECT_EQ(r.error_message(), message) << r.text;
  };
  std::string unknown = "0123456789abcdef0123456789abcdef";
  expect_error(get("/jobs/" + unknown), 404, "job " + unknown + " not found");
  expect_error(get("/jobs/" + unknown + "/checkpoints"), 404, "job " + unknown + " not found");
  expect_error(rest_->patch("/jobs/" + unknown), 404, "job " + unknown + " not found");
  expect_error(rest_->post("/jobs/" + unknown + "/savepoints", Json{{"target-directory", sp.path.string()}}),
               404, "job " + unknown + " not found");
  expect_error(get("/jobs/nope"), 400, "malformed job id 'nope': a job id is 32 hex digits");
  expect_error(rest_->patch("/jobs/" + id + "?mode=stop"), 400,
               "unknown mode 'stop': PATCH /jobs/:jobid accepts mode=cancel");

  // Bodies: not JSON, not an object, a field of the wrong type, a missing field.
  auto raw_post = [&](const std::string& path, const std::string& body) {
    return server_.dispatch("POST", path, body);
  };
  auto r = raw_post("/jobs/" + id + "/savepoints", "{\"target-directory\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("the request body is not valid JSON"), std::string::npos) << r.body;
  r = raw_post("/jobs/" + id + "/stop", "[1, 2]");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("the request body must be a JSON object, not array"), std::string::npos) << r.body;
  expect_error(rest_->post("/jobs/" + id + "/savepoints", Json{{"target-directory", 5}}), 400,
               "field 'target-directory' must be a string, not number");
  expect_error(
      rest_->post("/jobs/" + id + "/stop", Json{{"targetDirectory", sp.path.string()}, {"drain", "yes"}}),
      400, "field 'drain' must be true or false, not string");
  expect_error(rest_->post("/jobs/" + id + "/savepoints", Json::object()), 400,
               "missing field 'target-directory': name the directory the savepoint goes into");
  expect_error(rest_->post("/jobs/" + id + "/stop", Json{{"drain", true}}), 400,
               "missing field 'targetDirectory': name the directory the savepoint goes into");

  // Savepoint paths: relative, a file, under a file, not writable.
  expect_error(rest_->post("/jobs/" + id + "/savepoints", Json{{"target-directory", "relative/dir"}}), 400,
               "bad savepoint path 'relative/dir' (target-directory): it must be an absolute path");
  fs::path file = sp.path / "a-file";
  { std::ofstream(file) << "x"; }
  expect_error(
      rest_->post("/jobs/" + id + "/savepoints", Json{{"target-directory", file.string()}}), 400,
      "bad savepoint path '" + file.string() + "' (target-directory): it exists and is not a directory");
  expect_error(rest_->post("/jobs/" + id + "/stop", Json{{"targetDirectory", (file / "sub").string()}}), 400,
               "bad savepoint path '" + (file / "sub").string() + "' (targetDirectory): '" + file.string() +
                   "' is not a directory");
  if (::geteuid() != 0)  // root may write anywhere
    expect_error(
        rest_->post("/jobs/" + id + "/savepoints", Json{{"target-directory", "/proc/weir-savepoints"}}), 400,
        "bad savepoint path '/proc/weir-savepoints' (target-directory): '/proc' is not writable");

  // Trigger ids: unknown, or another job's.
  expect_error(get("/jobs/" + id + "/savepoints/ffffffffffffffffffffffffffffffff"), 404,
               "no savepoint operation with trigger id ffffffffffffffffffffffffffffffff for job " + id);
  expect_error(get("/jobs/" + id + "/checkpoints/123"), 404,
               "no checkpoint operation with trigger id 123 for job " + id);
  expect_error(rest_->post("/jobs/" + id + "/checkpoints", Json{{"checkpointType", "INCREMENTAL"}}), 400,
               "field 'checkpointType' is 'INCREMENTAL': Weir takes CONFIGURED or FULL");
  // Nothing above disturbed the job.
  EXPECT_TRUE(job_state_is(client, "RUNNING"));
  EXPECT_EQ(get(path_of(client, "/checkpoints")).body["counts"]["failed"], 0);
}

}  // namespace
}  // namespace weir
