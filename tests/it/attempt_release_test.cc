// A failed attempt's channels (and the buffers queued in them) are released by each TaskManager as soon
// as its last task of that attempt ended, not when the job ends: a long-running job that restarts many
// times keeps its memory flat. A finished attempt's channels stay (a finished producer's data may still
// be on its way to its consumer).
#include <atomic>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/weir.h"

namespace weir::testing {
namespace {

TEST(AttemptRelease, AFailedAttemptsChannelsGoWhileTheJobRunsOn) {
  auto cluster = std::make_shared<cluster::MiniCluster>(cluster::MiniClusterConfig{1, 4, nullptr});
  Configuration conf;
  conf.set("restart-strategy.type", "fixed-delay");
  conf.set("restart-strategy.fixed-delay.attempts", "5");
  conf.set("restart-strategy.fixed-delay.delay", "10 ms");
  auto env = StreamExecutionEnvironment::get_execution_environment(conf);
  env->set_cluster(cluster);
  env->set_parallelism(2);
  auto feed = std::make_shared<Feed<int64_t>>();  // never closed: the job runs until canceled
  auto fail = std::make_shared<std::atomic<bool>>(false);
  auto out = from_feed(*env, feed)
                 .rebalance()
                 .map([fail](const int64_t& v) {
                   if (v < 0 && fail->exchange(false)) throw std::runtime_error("injected failure");
                   return v;
                 })
                 .key_by([](const int64_t& v) { return v % 4; })
                 .reduce([](const int64_t& a, const int64_t& b) { return a + b; })
                 .collect();
  auto client = env->execute_async("restarts");
  const std::string job = client.get_job_id().to_string();
  auto& registry = cluster->partition_registry(0);
  for (int64_t i = 0; i < 100; ++i) feed->push(i);
  ASSERT_TRUE(eventually([&] { return out->size() >= 100; }));
  const std::string first = job + "#" + std::to_string(client.job_master().attempt());
  ASSERT_GT(registry.num_channels(first), 0u);

  fail->store(true);
  feed->push(-1);
  ASSERT_TRUE(eventually([&] { return client.job_master().attempt() >= 1; }));
  // The job runs on in its new attempt, with channels of its own; the failed attempt's are gone.
  for (int64_t i = 100; i < 200; ++i) feed->push(i);
  ASSERT_TRUE(eventually([&] { return registry.num_channels(job) > 0 && registry.num_channels(first) == 0; }))
      << registry.num_channels(first) << " channel(s) of the failed attempt are still registered";
  EXPECT_EQ(client.get_job_status(), JobStatus::kRunning);

  client.cancel();
  EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
  EXPECT_TRUE(eventually([&] { return registry.num_channels(job) == 0; }));
  cluster->close();
}

}  // namespace
}  // namespace weir::testing
