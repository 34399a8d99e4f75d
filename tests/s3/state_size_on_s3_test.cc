// What the JobManager keeps does not grow with the state, and each subtask reads only its share: the
// same heap job with small and with large keyed state checkpoints to a real S3-compatible server
// (s3proxy on loopback); the JobManager's bytes per completed checkpoint (JobMaster::
// checkpoint_memory_bytes: its handles, paths and restore metadata) and the _metadata it reads stay the
// same while the state grows by two orders of magnitude; restored at p=4 from the p=2 checkpoint, each
// subtask of the keyed vertex reads the heads and its key groups' blocks and nothing else, about a
// quarter of the keyed bytes.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "it/it_support.h"
#include "support/gated_source.h"
#include "support/s3_server.h"
#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/fs/file_system.h"
#include "weir/weir.h"

namespace weir {
namespace {

using testing::eventually;
using testing::Gate;
using testing::S3ServerEnvironment;

constexpr auto kDeadline = std::chrono::seconds(120);  // a hang guard, not a timing
constexpr int64_t kKeys = 4096;
constexpr int64_t kEvents = 2 * kKeys;

std::string s3_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("s3://") + S3ServerEnvironment::kBucket + "/" + info->name() + "/" + name;
}

//! Each key keeps its latest value of `value_bytes` bytes (heap keyed state: kKeys * value_bytes).
std::shared_ptr<CollectedResults<int64_t>> last_value_job(StreamExecutionEnvironment& env,
                                                          std::shared_ptr<Gate> gate, size_t value_bytes) {
  return testing::from_gate(env, std::move(gate))
      .map([value_bytes](const int64_t& v) {
        return std::pair<int64_t, std::string>{v % kKeys,
                                               std::string(value_bytes, static_cast<char>('a' + v % 26))};
      })
      .key_by([](const std::pair<int64_t, std::string>& kv) { return kv.first; })
      .reduce(
          [](const std::pair<int64_t, std::string>&, const std::pair<int64_t, std::string>& b) { return b; })
      .map([](const std::pair<int64_t, std::string>& kv) { return kv.first; })
      .collect();
}

Configuration job_config(int parallelism, const std::string& checkpoint_dir) {
  Configuration c = S3ServerEnvironment::server().config();
  c.set("parallelism.default", std::to_string(parallelism));
  c.set("state.backend.type", "hashmap");
  c.set("execution.checkpointing.interval", "100 ms");
  c.set("execution.checkpointing.dir", checkpoint_dir);
  c.set("execution.checkpointing.externalized-checkpoint-retention", "retain_on_cancellation");
  return c;
}

struct Measured {
  uint64_t state_size = 0;     //!< bytes the latest checkpoint's tasks wrote
  uint64_t jm_running = 0;     //!< what the JobManager keeps for checkpoints while the job runs
  uint64_t jm_retained = 0;    //!< ... once it ended: per retained checkpoint
  uint64_t metadata_size = 0;  //!< the _metadata the JobManager reads
  std::string checkpoint;      //!< the retained checkpoint (all the state is in it)
};

//! Runs the job at p=2 until every key has its state and two checkpoints after that completed; cancels
//! it (its latest checkpoint is retained).
Measured run_p2(size_t value_bytes, const std::string& dir) {
  auto gate = std::make_shared<Gate>(kEvents + 1);  // never ends by itself
  auto env = StreamExecutionEnvironment::get_execution_environment(job_config(2, dir));
  auto out = last_value_job(*env, gate, value_bytes);
  auto client = env->execute_async("state size");
  const auto& jm = client.job_master();
  gate->allow(kEvents);
  EXPECT_TRUE(eventually([&] { return static_cast<int64_t>(out->values().size()) >= kEvents; }, kDeadline));
  const int64_t before = jm.checkpoint_stats().completed;
  EXPECT_TRUE(eventually([&] { return jm.checkpoint_stats().completed >= before + 2; }, kDeadline));
  Measured m;
  // Possibly with a checkpoint pending (the handles of the tasks that acknowledged it so far).
  m.jm_running = jm.checkpoint_memory_bytes();
  client.cancel();
  EXPECT_THROW(client.get_job_execution_result(), std::exception);
  auto stats = jm.checkpoint_stats();
  m.state_size = stats.latest->state_size;
  m.checkpoint = stats.latest->path;
  m.jm_retained = jm.checkpoint_memory_bytes();
  auto meta = fs::Path::parse(m.checkpoint) / "_metadata";
  m.metadata_size = fs::get(meta)->stat(meta)->size;
  return m;
}

TEST(StateSizeOnS3, TheJobManagerKeepsHandlesNotStateAndEachSubtaskReadsOnlyItsShare) {
  const Measured small = run_p2(16, s3_dir("small"));
  const Measured large = run_p2(4096, s3_dir("large"));
  for (const auto* m : {&small, &large})
    std::printf(
        "STATE state_size=%llu jm_running=%llu jm_retained=%llu metadata=%llu\n",
        static_cast<unsigned long long>(m->state_size), static_cast<unsigned long long>(m->jm_running),
        static_cast<unsigned long long>(m->jm_retained), static_cast<unsigned long long>(m->metadata_size));
  ASSERT_GT(small.state_size, 0u);
  ASSERT_GT(large.state_size, 50 * small.state_size) << "the large run did not hold much more state";
  // The JobManager's share does not follow the state: per retained checkpoint a record and its path (of
  // the same length in both runs); while running at most one pending checkpoint's handles (key-group
  // offsets: a function of the job's shape).
  EXPECT_GT(small.jm_retained, 0u);
  EXPECT_LE(large.jm_retained, small.jm_retained + 64)
      << "small " << small.jm_retained << ", large " << large.jm_retained;
  constexpr uint64_t kHandlesBound = 64 << 10;
  EXPECT_LT(small.jm_running, kHandlesBound);
  EXPECT_LT(large.jm_running, kHandlesBound) << "the JobManager keeps " << large.jm_running << " bytes";
  EXPECT_LT(kHandlesBound, large.state_size / 100);
  // _metadata holds handles (offsets grow by a few digits), not state.
  EXPECT_LE(large.metadata_size, small.metadata_size + small.metadata_size / 4)
      << "small " << small.metadata_size << ", large " << large.metadata_size;

  // Restore the large checkpoint at p=4 on a cluster whose TaskManager metrics the test reads.
  auto c = checkpoint::load_checkpoint(large.checkpoint);
  const checkpoint::VertexInfo* keyed = nullptr;
  for (const auto& v : c.metadata.vertices)
    for (const auto& t : c.metadata.tasks)
      for (const auto& op : t.operators)
        if (t.vertex == v.vertex && !op.key_groups.empty() && !keyed) keyed = &v;
  ASSERT_NE(keyed, nullptr);
  uint64_t keyed_total = 0;
  for (const auto& t : c.metadata.tasks)
    if (t.vertex == keyed->vertex)
      for (const auto& op : t.operators)
        if (!op.key_groups.empty())
          keyed_total += op.key_groups.offsets.back() - op.key_groups.offsets.front();
  ASSERT_GT(keyed_total, large.state_size / 2) << "the keyed state is most of the checkpoint";

  cluster::MiniClusterConfig mc;
  mc.slots_per_task_manager = 4;
  auto cluster = std::make_shared<cluster::MiniCluster>(mc);
  auto conf = job_config(4, s3_dir("restored"));
  conf.set("execution.savepoint.path", large.checkpoint);
  auto gate = std::make_shared<Gate>(kEvents);  // restored at its end: the job ends after restoring
  gate->allow(kEvents);
  auto env = StreamExecutionEnvironment::get_execution_environment(conf);
  env->set_cluster(cluster);
  last_value_job(*env, gate, 4096);
  auto client = env->execute_async("restored at p=4");
  client.get_job_execution_result();
  const std::string job = client.get_job_id().to_string();
  // The restoring JobManager holds the checkpoint's handles, not its state.
  EXPECT_LT(client.job_master().checkpoint_memory_bytes(), kHandlesBound);

  std::map<int, uint64_t> read;  // subtask of the keyed vertex -> bytes it read to restore
  for (const auto& te : cluster->task_executors())
    for (const auto& m : te->task_metrics())
      if (m.job == job && m.vertex == keyed->name && m.parallelism == 4 && m.attempt == 0)
        read[m.subtask] = m.restored_bytes;
  ASSERT_EQ(read.size(), 4u) << "no metrics of the keyed vertex '" << keyed->name << "'";
  for (int i = 0; i < 4; ++i) {
    auto range = key_group_range_for_subtask(keyed->max_parallelism, 4, i);
    auto handles = checkpoint::restore_handles_for(c, keyed->operator_ids, range);
    uint64_t heads = 0, mine = 0;
    for (const auto& t : handles.metadata.tasks) {
      heads += t.head_length;
      for (const auto& op : t.operators)
        if (!op.key_groups.empty()) mine += op.key_groups.offsets.back() - op.key_groups.offsets.front();
    }
    std::printf("RESTORE subtask=%d read=%llu heads=%llu keyed_total=%llu\n", i,
                static_cast<unsigned long long>(read[i]), static_cast<unsigned long long>(heads),
                static_cast<unsigned long long>(keyed_total));
    // Exactly the heads and the blocks of its key groups ...
    EXPECT_EQ(read[i], heads + mine) << "subtask " << i;
    // ... which is its key groups' share of the keyed state (keys spread evenly over key groups).
    const double share = static_cast<double>(keyed_total) * range.size() / keyed->max_parallelism;
    EXPECT_NEAR(static_cast<double>(read[i] - heads), share, 0.15 * share) << "subtask " << i;
  }
  cluster->close();
}

}  // namespace
}  // namespace weir

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::S3ServerEnvironment);
  return RUN_ALL_TESTS();
}
