// The CheckpointCoordinator with high-availability hooks (issue #14): checkpoint ids come from the HA counter
// (so a new leader never reuses one), a checkpoint completes only once the HA store took it (a failure aborts
// it and deletes its files; no completion is reported), subsumed pointers are named, and while ZooKeeper is
// suspended no checkpoint starts or completes without that counting as a checkpoint failure.
#include <filesystem>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "weir/cluster/jobmanager/checkpoint_coordinator.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("weir-cc-ha-" + std::to_string(::getpid()));
  JobId job = JobId::generate();
  std::shared_ptr<const graph::JobGraph> jg;
  int64_t next = 41;
  std::vector<std::pair<int64_t, std::vector<int64_t>>> added;
  bool fail_add = false;
  bool paused = false;

  Fixture() {
    fs::remove_all(dir);
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->from_sequence(0, 10).print();
    jg = env->get_job_graph();
  }
  ~Fixture() { fs::remove_all(dir); }

  std::unique_ptr<cluster::CheckpointCoordinator> coordinator(int retained) {
    cluster::CheckpointSettings s;
    s.interval_ms = 100;
    s.dir = dir.string();
    s.num_retained = retained;
    cluster::CheckpointHaHooks h;
    h.next_id = [this] { return next++; };
    h.completed = [this](int64_t id, const std::string& metadata, const std::vector<int64_t>& retained_ids) {
      if (fail_add) throw std::runtime_error("not the leader");
      EXPECT_TRUE(fs::exists(metadata)) << metadata;
      added.push_back({id, retained_ids});
    };
    h.paused = [this] { return paused; };
    return std::make_unique<cluster::CheckpointCoordinator>(job.to_string(), jg, s, h);
  }

  // Starts a checkpoint that one task acknowledges; returns what completed.
  std::optional<cluster::CompletedCheckpoint> run(cluster::CheckpointCoordinator& c) {
    auto b = c.begin(/*attempt=*/1, /*tasks=*/1, false, {}, 0);
    cluster::CheckpointAck ack;
    ack.id = {job, 1, 0, 0};
    ack.checkpoint_id = b.id;
    return c.acknowledge(ack, 1, 10);
  }
};

TEST(CheckpointCoordinatorHa, IdsComeFromTheCounterAndCompletionWaitsForTheStore) {
  Fixture f;
  auto c = f.coordinator(/*retained=*/2);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(f.run(*c).has_value());
  ASSERT_EQ(f.added.size(), 3u);
  EXPECT_EQ(f.added[0], (std::pair<int64_t, std::vector<int64_t>>{41, {41}}));
  EXPECT_EQ(f.added[1], (std::pair<int64_t, std::vector<int64_t>>{42, {41, 42}}));
  EXPECT_EQ(f.added[2], (std::pair<int64_t, std::vector<int64_t>>{43, {42, 43}}));  // 41 subsumed
  EXPECT_EQ(c->retained().back().id, 43);
}

TEST(CheckpointCoordinatorHa, AFailedAddAbortsTheCheckpointAndDeletesItsFiles) {
  Fixture f;
  auto c = f.coordinator(1);
  f.fail_add = true;
  EXPECT_FALSE(f.run(*c).has_value());
  EXPECT_TRUE(c->retained().empty());
  EXPECT_FALSE(fs::exists(f.dir / f.job.to_string() / "chk-41" / "_metadata"));
  EXPECT_EQ(c->stats().failed, 1);
  EXPECT_TRUE(c->failures_exceed_tolerance());
}

TEST(CheckpointCoordinatorHa, ASuspendedConnectionPausesCheckpointsWithoutFailingThem) {
  Fixture f;
  auto c = f.coordinator(1);
  f.paused = true;
  EXPECT_NE(c->cannot_start(1'000'000, false), "");
  EXPECT_NE(c->cannot_start(1'000'000, true), "");  // savepoints need an id from ZooKeeper too
  // A checkpoint whose last ack arrives while suspended is aborted, not counted as a failure.
  auto b = c->begin(1, 1, false, {}, 0);
  cluster::CheckpointAck ack;
  ack.id = {f.job, 1, 0, 0};
  ack.checkpoint_id = b.id;
  EXPECT_FALSE(c->acknowledge(ack, 1, 10).has_value());
  EXPECT_FALSE(c->failures_exceed_tolerance());
  f.paused = false;
  EXPECT_EQ(c->cannot_start(1'000'000, false), "");
  ASSERT_TRUE(f.run(*c).has_value());
  EXPECT_EQ(f.added.back().first, 42);
}

}  // namespace
}  // namespace weir
