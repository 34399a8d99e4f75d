// Leader retrieval, fencing and the HA stores against a real ZooKeeper, with the storage directory on the
// local file system: what a new leader finds, and what a deposed one can no longer do.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "ha_test_support.h"
#include "weir/fs/file_system.h"
#include "weir/ha/ha_services.h"

namespace weir::ha {
namespace {

using namespace testing;

//! A JobManager's HA side: its own session, services over it, and its contender in the election.
struct JobManagerHa {
  JobManagerHa(const HaPaths& paths, const std::string& name)
      : zk(connect(2000ms)), services(zk, paths), latch(services.create_leader_latch(name, listener)) {}
  ~JobManagerHa() { latch->close(); }
  LeaderFence fence() const { return *latch->fence(); }
  std::shared_ptr<ZooKeeperClient> zk;
  ZooKeeperHaServices services;
  RecordingContender listener;
  std::unique_ptr<LeaderLatch> latch;
};

class HaStoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::filesystem::temp_directory_path() / ("weir-ha-storage-" + std::to_string(::getpid()));
    std::filesystem::remove_all(storage_);
    paths_ = std::make_unique<HaPaths>(test_root(), fs::Path::parse(storage_.string()) / "cluster");
    a_ = std::make_unique<JobManagerHa>(*paths_, "a");
    b_ = std::make_unique<JobManagerHa>(*paths_, "b");
    a_->latch->start();
    b_->latch->start();
    ASSERT_TRUE(a_->listener.log.wait_for("granted"));
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    connect()->remove_recursive(test_root());
    std::filesystem::remove_all(storage_);
  }
  //! Ends a's session (as a leader paused past its timeout would): b takes over.
  void depose_a() {
    a_->zk->expire_session_for_testing();
    ASSERT_TRUE(a_->listener.log.wait_for("revoked"));
    ASSERT_TRUE(b_->listener.log.wait_for("granted"));
  }
  size_t files_below(const std::filesystem::path& dir) {
    if (!std::filesystem::exists(dir)) return 0;
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) n += e.is_regular_file();
    return n;
  }

  std::filesystem::path storage_;
  std::unique_ptr<HaPaths> paths_;
  std::unique_ptr<JobManagerHa> a_, b_;
  JobId job_ = JobId(0x1234, 0x5678);
};

TEST_F(HaStoresTest, RetrievalFollowsTheLeader) {
  auto zk = connect();
  Awaiter seen;
  LeaderRetriever retriever(
      *zk, paths_->leader(ZooKeeperHaServices::kJobManager),
      [&](const std::optional<LeaderInfo>& info) { seen.record(info ? info->rpc_address : "none"); });
  retriever.start();
  ASSERT_TRUE(seen.wait_for("none"));

  LeaderInfo a{"127.0.0.1:6123", "http://127.0.0.1:8081", *a_->latch->leader_session_id()};
  a_->services.publish_leader(ZooKeeperHaServices::kJobManager, a, a_->fence());
  ASSERT_TRUE(seen.wait_for(a.rpc_address));
  EXPECT_EQ(retriever.current(), a);

  LeaderFence old = a_->fence();
  depose_a();
  LeaderInfo b{"127.0.0.1:6124", "http://127.0.0.1:8082", *b_->latch->leader_session_id()};
  EXPECT_NE(a.session, b.session);
  b_->services.publish_leader(ZooKeeperHaServices::kJobManager, b, b_->fence());
  ASSERT_TRUE(seen.wait_for(b.rpc_address));
  EXPECT_EQ(retriever.current(), b);

  // The deposed leader cannot put its address back.
  EXPECT_THROW(a_->services.publish_leader(ZooKeeperHaServices::kJobManager, a, old), FencingError);
  zk->run_on_event_thread([] {});
  EXPECT_EQ(retriever.current(), b);
  retriever.close();
}

TEST_F(HaStoresTest, FencingRefusesADeposedLeadersWrites) {
  auto& checkpoints = a_->services.completed_checkpoint_store();
  LeaderFence old = a_->fence();
  checkpoints.add(job_, {1, "/chk/1/_metadata"}, old);
  a_->services.job_graph_store().put(job_, "spec-1", old);
  depose_a();

  try {
    checkpoints.add(job_, {2, "/chk/2/_metadata"}, old, {1});
    FAIL() << "a deposed leader completed a checkpoint";
  } catch (const FencingError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("add completed checkpoint 2"), std::string::npos) << what;
    EXPECT_NE(what.find(old.latch_node), std::string::npos) << what;
    EXPECT_NE(what.find("no longer the leader"), std::string::npos) << what;
    EXPECT_EQ(e.latch_node(), old.latch_node);
  }
  EXPECT_THROW(checkpoints.remove(job_, 1, old), FencingError);
  EXPECT_THROW(a_->services.checkpoint_id_counter().get_and_increment(job_, old), FencingError);
  size_t files = files_below(storage_);
  EXPECT_THROW(a_->services.job_graph_store().put(job_, "spec-2", old), FencingError);
  EXPECT_EQ(files_below(storage_), files) << "a refused put left its file behind";
  EXPECT_THROW(a_->services.cleanup_job(job_, old), FencingError);
  EXPECT_EQ(checkpoints.list(job_), (std::vector<CheckpointPointer>{{1, "/chk/1/_metadata"}}));
  EXPECT_EQ(a_->services.job_graph_store().get(job_), "spec-1");

  // The new leader completes and subsumes.
  b_->services.completed_checkpoint_store().add(job_, {2, "/chk/2/_metadata"}, b_->fence(), {1});
  EXPECT_EQ(checkpoints.list(job_), (std::vector<CheckpointPointer>{{2, "/chk/2/_metadata"}}));

  // After the new leader cleaned the job up, the deposed one's attempt leaves not even an empty node.
  b_->services.cleanup_job(job_, b_->fence());
  EXPECT_THROW(checkpoints.add(job_, {3, "/chk/3/_metadata"}, old), FencingError);
  EXPECT_FALSE(a_->zk->exists(paths_->checkpoints(job_)));
  EXPECT_EQ(files_below(storage_), 0u);
}

TEST_F(HaStoresTest, StoresRoundTripAndTheCounterGrowsAcrossLeaders) {
  auto& graphs = a_->services.job_graph_store();
  JobId other(1, 2);
  EXPECT_EQ(graphs.get(job_), std::nullopt);
  EXPECT_TRUE(graphs.job_ids().empty());
  std::string spec(100 * 1024, 's');
  graphs.put(job_, spec, a_->fence());
  graphs.put(other, "other", a_->fence());
  EXPECT_EQ(graphs.get(job_), spec);
  EXPECT_EQ(graphs.job_ids(), (std::vector<JobId>{other, job_}));
  graphs.put(job_, "replaced", a_->fence());
  EXPECT_EQ(graphs.get(job_), "replaced");
  EXPECT_EQ(files_below(storage_ / "cluster" / "jobs" / job_.to_string()), 1u) << "the replaced spec stays";

  auto& checkpoints = a_->services.completed_checkpoint_store();
  EXPECT_EQ(checkpoints.latest(job_), std::nullopt);
  checkpoints.add(job_, {9, "/c/9"}, a_->fence());
  checkpoints.add(job_, {10, "/c/10"}, a_->fence());
  checkpoints.add(job_, {11, "/c/11"}, a_->fence(), {9});
  EXPECT_EQ(checkpoints.list(job_), (std::vector<CheckpointPointer>{{10, "/c/10"}, {11, "/c/11"}}));
  EXPECT_EQ(checkpoints.latest(job_), (CheckpointPointer{11, "/c/11"}));
  try {
    checkpoints.add(job_, {11, "/c/11-again"}, a_->fence());
    FAIL();
  } catch (const ZooKeeperError& e) {
    EXPECT_TRUE(e.node_exists()) << e.what();
  }

  auto& results = a_->services.job_result_store();
  results.put({other, JobTerminalState::kFailed, "boom", true}, a_->fence());
  EXPECT_EQ(results.get(other), (JobResult{other, JobTerminalState::kFailed, "boom", false}));
  results.mark_clean(other, a_->fence());
  EXPECT_TRUE(results.get(other)->clean);
  EXPECT_EQ(results.list().size(), 1u);
  EXPECT_FALSE(results.has_result(job_));

  // The counter is in ZooKeeper: a new leader continues where the old one stopped.
  auto& counter = a_->services.checkpoint_id_counter();
  EXPECT_EQ(counter.get(job_), 1);
  EXPECT_EQ(counter.get_and_increment(job_, a_->fence()), 1);
  EXPECT_EQ(counter.get_and_increment(job_, a_->fence()), 2);
  EXPECT_EQ(counter.get_and_increment(job_, a_->fence()), 3);
  a_->latch->close();
  ASSERT_TRUE(b_->listener.log.wait_for("granted"));
  auto& counter_b = b_->services.checkpoint_id_counter();
  EXPECT_EQ(counter_b.get_and_increment(job_, b_->fence()), 4);
  counter_b.set(job_, 100, b_->fence());
  EXPECT_EQ(counter_b.get_and_increment(job_, b_->fence()), 100);
  EXPECT_EQ(counter_b.get(job_), 101);
  // The new leader finds what the old one stored.
  EXPECT_EQ(b_->services.job_graph_store().get(job_), "replaced");
  EXPECT_EQ(b_->services.completed_checkpoint_store().latest(job_)->checkpoint_id, 11);
}

// A pointer whose metadata is missing or corrupt: the new leader falls back to the next older one and
// learns why.
TEST_F(HaStoresTest, RestoreFallsBackToTheNewestReadableCheckpoint) {
  auto& checkpoints = a_->services.completed_checkpoint_store();
  auto dir = fs::Path::parse(storage_.string()) / "chk";
  auto files = fs::get(dir);
  files->mkdirs(dir);
  for (int64_t id : {1, 2, 3}) checkpoints.add(job_, {id, (dir / std::to_string(id)).str()}, a_->fence());
  files->write_file(dir / "1", "ok");
  files->write_file(dir / "2", "ok");
  files->write_file(dir / "3", "torn");  // corrupt; and nothing is missing yet
  auto load = [&](const CheckpointPointer& p) {
    std::string bytes = files->read(fs::Path::parse(p.metadata_path));  // FileNotFoundError when missing
    if (bytes != "ok") throw fs::FileSystemError("corrupt metadata '" + p.metadata_path + "'");
  };
  std::vector<std::string> skipped;
  EXPECT_EQ(checkpoints.latest_restorable(job_, load, &skipped)->checkpoint_id, 2);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("checkpoint 3"), std::string::npos) << skipped[0];
  EXPECT_NE(skipped[0].find("corrupt metadata"), std::string::npos) << skipped[0];

  files->remove(dir / "2");
  skipped.clear();
  EXPECT_EQ(checkpoints.latest_restorable(job_, load, &skipped)->checkpoint_id, 1);
  EXPECT_EQ(skipped.size(), 2u);
  files->remove(dir / "1");
  EXPECT_EQ(checkpoints.latest_restorable(job_, load), std::nullopt);
}

// Nodes another writer put where the stores keep theirs (fuzzed in tests/fuzz/ha_nodes_fuzz.cc): a
// checkpoint pointer's name past INT64_MAX threw std::out_of_range out of list() (it ended the JobManager
// that recovered the job); now such names are skipped, and bad contents are refused naming the node.
TEST_F(HaStoresTest, NodesAnotherWriterPutThereAreSkippedOrRefusedNamingTheNode) {
  auto& checkpoints = a_->services.completed_checkpoint_store();
  checkpoints.add(job_, {5, "/c/5"}, a_->fence());
  auto& zk = *a_->zk;
  zk.create(paths_->checkpoints(job_) + "/9999999999999999999", "/c/huge", CreateMode::kPersistent);
  zk.create(paths_->checkpoints(job_) + "/not-a-checkpoint", "/c/x", CreateMode::kPersistent);
  zk.create(paths_->checkpoints(job_) + "/9223372036854775807", "/c/max", CreateMode::kPersistent);
  EXPECT_EQ(checkpoints.list(job_), (std::vector<CheckpointPointer>{{5, "/c/5"}, {INT64_MAX, "/c/max"}}));

  // A read of `node` refused with a ZooKeeperError naming the node and saying `why`.
  auto refused = [](const std::function<void()>& read, const std::string& node, const std::string& why) {
    try {
      read();
      ADD_FAILURE() << "read " << node;
    } catch (const ZooKeeperError& e) {
      EXPECT_NE(std::string(e.what()).find(node), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  zk.create_parents(paths_->counters_dir());
  zk.create(paths_->counter(job_), "twelve", CreateMode::kPersistent);
  refused([&] { a_->services.checkpoint_id_counter().get(job_); }, paths_->counter(job_),
          "'twelve' is not a checkpoint id");
  zk.create_parents(paths_->job_results_dir());
  zk.create(paths_->job_result(job_), "[1, 2]", CreateMode::kPersistent);
  refused([&] { a_->services.job_result_store().get(job_); }, paths_->job_result(job_), "not a job result");
}

TEST_F(HaStoresTest, SpecFileMissingIsAnErrorNamingTheFile) {
  a_->services.job_graph_store().put(job_, "spec", a_->fence());
  std::filesystem::remove_all(storage_ / "cluster" / "jobs");
  try {
    a_->services.job_graph_store().get(job_);
    FAIL();
  } catch (const fs::FileSystemError& e) {
    EXPECT_NE(std::string(e.what()).find(job_.to_string()), std::string::npos) << e.what();
  }
}

TEST_F(HaStoresTest, CleanupLeavesNoZnodesAndNoFiles) {
  ZooKeeperHaServices& s = a_->services;
  LeaderFence fence = a_->fence();
  s.job_graph_store().put(job_, "spec", fence);
  s.checkpoint_id_counter().get_and_increment(job_, fence);
  s.completed_checkpoint_store().add(job_, {1, "/c/1"}, fence);
  s.completed_checkpoint_store().add(job_, {2, "/c/2"}, fence);
  s.job_result_store().put({job_, JobTerminalState::kFinished, "", false}, fence);

  s.cleanup_job(job_, fence);
  s.job_result_store().mark_clean(job_, fence);
  ZooKeeperClient& zk = *a_->zk;
  EXPECT_FALSE(zk.exists(paths_->job(job_)));
  EXPECT_FALSE(zk.exists(paths_->counter(job_)));
  EXPECT_FALSE(zk.exists(paths_->checkpoints(job_)));
  EXPECT_EQ(files_below(storage_), 0u);
  EXPECT_TRUE(zk.children(paths_->jobs_dir()).empty());
  EXPECT_TRUE(zk.children(paths_->checkpoints_dir()).empty());
  EXPECT_TRUE(zk.children(paths_->counters_dir()).empty());
  // The result stays, clean: a new leader does not run the job again.
  EXPECT_EQ(s.job_result_store().get(job_), (JobResult{job_, JobTerminalState::kFinished, "", true}));
  s.cleanup_job(job_, fence);  // again: nothing left to do

  // A cluster shut down for good leaves nothing at all.
  a_->latch->close();
  b_->latch->close();
  s.cleanup_cluster();
  EXPECT_FALSE(zk.exists(paths_->cluster()));
  EXPECT_FALSE(std::filesystem::exists(storage_ / "cluster"));
}

}  // namespace
}  // namespace weir::ha

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::ZooKeeperEnvironment);
  return RUN_ALL_TESTS();
}
