// A running job whose checkpoints live on a real S3-compatible server (s3proxy on loopback) that goes
// away: while the server is stopped, checkpoints fail with a reason that names the endpoint and the job
// keeps running; once it is back on the same port (same data), checkpoints complete again, a task failure
// restores from one, the output equals the failure-free one (nothing lost, nothing duplicated), and every
// _metadata on S3 names a complete checkpoint. An endpoint that never answers and wrong credentials fail
// the job with an error that names the problem. One s3proxy per binary, stopped and restarted in place.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "it/it_support.h"
#include "support/gated_source.h"
#include "support/jvm_process.h"
#include "support/s3_server.h"
#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/minicluster/mini_cluster.h"  // job_master(), mini_cluster(): engine internals
#include "weir/fs/file_system.h"
#include "weir/weir.h"

namespace weir {
namespace {

using testing::eventually;
using testing::Gate;
using testing::S3ServerEnvironment;
using KeyedSums = CollectedResults<std::pair<int64_t, int64_t>>;

constexpr auto kDeadline = std::chrono::seconds(120);  // a hang guard on a loaded machine, not a timing

std::string s3_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("s3://") + S3ServerEnvironment::kBucket + "/" + info->name() + "/" + name;
}

std::map<int64_t, int64_t> reference_sums(int64_t n) {
  std::map<int64_t, int64_t> m;
  for (int64_t i = 0; i < n; ++i) m[i % 16] += i;
  return m;
}

std::map<int64_t, int64_t> final_sums(const KeyedSums& r) {
  // Rolling sums only grow, so the largest value per key is its final one (replays may repeat rows).
  std::map<int64_t, int64_t> m;
  for (const auto& [k, s] : r.values()) m[k] = std::max(m[k], s);
  return m;
}

//! A keyed rolling sum over the gated source; `fail` makes the map throw once (an injected task failure).
std::shared_ptr<KeyedSums> keyed_sum_job(StreamExecutionEnvironment& env, std::shared_ptr<Gate> gate,
                                         std::shared_ptr<std::atomic<bool>> fail) {
  return testing::from_gate(env, std::move(gate))
      .map([fail](const int64_t& v) {
        if (fail->exchange(false)) throw std::runtime_error("injected task failure");
        return std::pair<int64_t, int64_t>{v % 16, v};
      })
      .key_by([](const std::pair<int64_t, int64_t>& kv) { return kv.first; })
      .sum<1>()
      .collect();
}

//! Every chk-*/_metadata below `job_dir` on S3 loads (its files exist with their sizes): nothing torn.
//! The job still runs, so a checkpoint may be subsumed while it is read. A discard removes _metadata
//! before the files, so a file found missing while _metadata is still there afterwards is a torn
//! checkpoint, and one whose _metadata is gone by then was being discarded.
//! Returns how many loaded.
int complete_checkpoints_expecting_none_torn(const std::string& job_dir) {
  auto dir = fs::Path::parse(job_dir);
  auto fs = fs::get(dir);
  int complete = 0;
  for (const auto& e : fs->list(dir)) {
    if (!e.is_dir || e.path.name().rfind("chk-", 0) != 0) continue;
    if (!fs->exists(e.path / "_metadata")) continue;  // an aborted checkpoint: never restorable
    try {
      checkpoint::load_checkpoint(e.path.str());
      ++complete;
    } catch (const std::exception& error) {
      EXPECT_FALSE(fs->exists(e.path / "_metadata")) << e.path.str() << " is torn: " << error.what();
    }
  }
  return complete;
}

TEST(S3Outage, CheckpointsFailWhileTheServerIsDownAndTheJobRecoversExactlyOnceAfterItsRestart) {
  auto& server = S3ServerEnvironment::server();
  const int64_t n = 40'000;
  auto gate = std::make_shared<Gate>(n);
  auto fail = std::make_shared<std::atomic<bool>>(false);
  auto env = StreamExecutionEnvironment::get_execution_environment(server.config());
  env->set_parallelism(2);
  env->configure("execution.checkpointing.interval", "50 ms");
  env->configure("execution.checkpointing.dir", s3_dir("chk"));
  env->configure("execution.checkpointing.tolerable-failed-checkpoints", "1000000");
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "3");
  env->configure("restart-strategy.fixed-delay.delay", "10 ms");
  auto out = keyed_sum_job(*env, gate, fail);
  auto client = env->execute_async("s3 outage");
  const auto& jm = client.job_master();
  const std::string job_dir = s3_dir("chk") + "/" + client.get_job_id().to_string();

  // 1. Running, checkpointing to S3.
  gate->allow(10'000);
  ASSERT_TRUE(eventually(
      [&] { return out->values().size() >= 10'000 && jm.checkpoint_stats().completed >= 2; }, kDeadline));

  // 2. The server goes away: checkpoints fail with a reason naming the endpoint; the job goes on.
  server.stop();
  const int64_t failed_before = jm.checkpoint_stats().failed;
  ASSERT_TRUE(eventually([&] { return jm.checkpoint_stats().failed >= failed_before + 2; }, kDeadline))
      << "no checkpoint failed while the S3 server was down";
  const auto outage = jm.checkpoint_stats();
  ASSERT_TRUE(outage.latest_failed);
  const std::string reason = outage.latest_failed->reason;
  EXPECT_NE(reason.find(server.endpoint().substr(7)), std::string::npos) << reason;  // 127.0.0.1:<port>
  EXPECT_NE(reason.find("unreachable"), std::string::npos) << reason;
  gate->allow(20'000);
  ASSERT_TRUE(eventually([&] { return out->values().size() >= 20'000; }, kDeadline))
      << "the job stopped processing while checkpoints failed";
  EXPECT_EQ(client.get_job_status(), JobStatus::kRunning);
  EXPECT_EQ(jm.attempt(), 0) << "failed checkpoints within the tolerance restarted the job";

  // 3. The server is back (same port, same data): checkpoints complete again.
  server.start();
  const int64_t completed_at_restart = jm.checkpoint_stats().completed;
  ASSERT_TRUE(eventually(
      [&] {
        auto s = jm.checkpoint_stats();
        return s.completed >= completed_at_restart + 2 && s.latest && s.latest->id > outage.latest_failed->id;
      },
      kDeadline))
      << "no checkpoint completed after the S3 server came back";

  // 4. A task fails: the job restores from a checkpoint taken after the outage.
  fail->store(true);
  gate->allow(30'000);
  ASSERT_TRUE(
      eventually([&] { return jm.attempt() >= 1 && jm.checkpoint_stats().restored >= 1; }, kDeadline));
  auto restored = jm.checkpoint_stats().latest_restored;
  ASSERT_TRUE(restored);
  EXPECT_GT(restored->id, outage.latest_failed->id);
  EXPECT_EQ(restored->path.rfind(job_dir, 0), 0u) << restored->path;
  ASSERT_TRUE(eventually([&] { return jm.checkpoint_stats().latest->id > restored->id; }, kDeadline));
  // Checkpoints every 50 ms subsume each other while this lists them: look until one stays put.
  EXPECT_TRUE(eventually([&] { return complete_checkpoints_expecting_none_torn(job_dir) >= 1; }, kDeadline))
      << "no complete checkpoint in " << job_dir;

  gate->allow(n);
  client.get_job_execution_result();
  EXPECT_EQ(jm.attempt(), 1);
  EXPECT_EQ(final_sums(*out), reference_sums(n)) << "records were lost or counted twice";
}

//! Runs the keyed job checkpointing to S3 with `conf`; returns the error it fails with.
std::string job_error(const Configuration& conf) {
  auto gate = std::make_shared<Gate>(1'000'000);
  gate->allow(1'000);
  auto env = StreamExecutionEnvironment::get_execution_environment(conf);
  env->set_parallelism(1);
  env->configure("execution.checkpointing.interval", "50 ms");
  env->configure("execution.checkpointing.dir", s3_dir("chk"));
  env->configure("execution.checkpointing.tolerable-failed-checkpoints", "0");
  env->configure("restart-strategy.type", "none");
  keyed_sum_job(*env, gate, std::make_shared<std::atomic<bool>>(false));
  try {
    auto client = env->execute_async("bad s3 settings");
    if (client.wait_for(kDeadline) == JobStatus::kRunning) {
      client.cancel();
      return "";
    }
    client.get_job_execution_result();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(S3Outage, AnUnreachableEndpointFailsTheJobWithAnErrorNamingIt) {
  Configuration conf = S3ServerEnvironment::server().config();
  // A loopback port nothing listens on.
  const std::string endpoint = "127.0.0.1:" + std::to_string(testing::free_loopback_port());
  conf.set("s3.endpoint", "http://" + endpoint);
  std::string error = job_error(conf);
  ASSERT_FALSE(error.empty()) << "a job checkpointing to an unreachable endpoint did not fail";
  EXPECT_NE(error.find(endpoint), std::string::npos) << error;
  EXPECT_NE(error.find("unreachable"), std::string::npos) << error;
}

TEST(S3Outage, WrongCredentialsFailTheJobWithAnErrorNamingThem) {
  Configuration conf = S3ServerEnvironment::server().config();
  conf.set("s3.secret-key", "not-the-secret");
  std::string error = job_error(conf);
  ASSERT_FALSE(error.empty()) << "a job checkpointing with wrong credentials did not fail";
  EXPECT_NE(error.find("s3.access-key"), std::string::npos) << error;
  EXPECT_NE(error.find("access denied"), std::string::npos) << error;
}

}  // namespace
}  // namespace weir

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::S3ServerEnvironment);
  return RUN_ALL_TESTS();
}
