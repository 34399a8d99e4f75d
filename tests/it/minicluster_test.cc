// The MiniCluster's shape is configurable: TaskManagers and slots per TaskManager. Subtasks spread
// over the TaskManagers; a job needing more slots than exist fails with a clear error.
#include <set>

#include <gtest/gtest.h>

#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/weir.h"

namespace weir {
namespace {

TEST(MiniClusterShape, SubtasksSpreadOverEveryTaskManager) {
  auto cluster = std::make_shared<cluster::MiniCluster>(cluster::MiniClusterConfig{3, 2, nullptr});
  EXPECT_EQ(cluster->resource_manager().total_slots(), 6);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_cluster(cluster);
  env->set_parallelism(6);
  auto out = env->from_sequence(1, 6000).rebalance().map([](const int64_t& v) { return v * 2; }).collect();
  auto client = env->execute_async("spread");
  client.get_job_execution_result();
  EXPECT_EQ(out->size(), 6000u);
  std::set<std::string> tms;
  auto graph = client.job_master().snapshot();
  for (const auto& subs : graph.vertices())
    for (const auto& ev : subs) tms.insert(ev.task_manager);
  EXPECT_EQ(tms.size(), 3u);
  EXPECT_EQ(cluster->resource_manager().free_slots(), 6);  // released when the job ended
}

TEST(MiniClusterShape, ConfigurationKeysSizeTheEmbeddedCluster) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->configure("minicluster.number-of-taskmanagers", "2");
  env->configure("taskmanager.numberOfTaskSlots", "2");
  env->set_parallelism(4);
  auto out = env->from_sequence(1, 100).rebalance().collect();
  env->execute("fits");
  EXPECT_EQ(out->size(), 100u);

  auto env2 = StreamExecutionEnvironment::get_execution_environment();
  env2->configure("minicluster.number-of-taskmanagers", "2");
  env2->configure("taskmanager.numberOfTaskSlots", "2");
  env2->set_parallelism(5);
  env2->from_sequence(1, 100).rebalance().collect();
  try {
    env2->execute("too wide");
    FAIL() << "a job needing 5 slots ran on 4";
  } catch (const JobExecutionError& e) {
    EXPECT_NE(std::string(e.what()).find("not enough task slots"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace weir
