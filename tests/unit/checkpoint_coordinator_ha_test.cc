// The CheckpointCoordinator with high-availability hooks (issue #14): checkpoint ids come from the HA counter
// (so a new leader never reuses one), a checkpoint completes only once the HA store took it (a failure aborts
// it and deletes its files, unless the store cannot tell whether it took it; no completion is reported),
// subsumed pointers are named, and while ZooKeeper is suspended no checkpoint starts or completes without
// that counting as a checkpoint failure.
#include <filesystem>
#include <fstream>
#include <set>
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
  bool add_unknown = false;  // the add's answer is lost (the connection dropped with it in flight)
  bool paused = false;
  bool counter_down = false;  // the counter's ZooKeeper does not answer

  Fixture() {
    fs::remove_all(dir);
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->from_sequence(0, 10).print();
    jg = env->get_job_graph();
  }
  ~Fixture() { fs::remove_all(dir); }
  fs::path job_dir() const { return dir / job.to_string(); }
  fs::path shared_dir() const { return job_dir() / "shared"; }
  //! The names in shared/ now.
  std::set<std::string> shared_files() const {
    std::set<std::string> names;
    if (fs::exists(shared_dir()))
      for (const auto& e : fs::directory_iterator(shared_dir())) names.insert(e.path().filename().string());
    return names;
  }

  std::unique_ptr<cluster::CheckpointCoordinator> coordinator(
      int retained, std::vector<cluster::CheckpointHaHooks::Retained> recovered = {}) {
    cluster::CheckpointSettings s;
    s.interval_ms = 100;
    s.dir = dir.string();
    s.num_retained = retained;
    cluster::CheckpointHaHooks h;
    h.next_id = [this] {
      if (counter_down) throw std::runtime_error("ZooKeeper is down");
      return next++;
    };
    h.completed = [this](int64_t id, const std::string& metadata, const std::vector<int64_t>& retained_ids) {
      if (fail_add) throw std::runtime_error("not the leader");
      if (add_unknown) throw cluster::CheckpointCompletionUnknown("connection lost with the write in flight");
      EXPECT_TRUE(fs::exists(metadata)) << metadata;
      added.push_back({id, retained_ids});
    };
    h.paused = [this] { return paused; };
    h.recovered = std::move(recovered);
    return std::make_unique<cluster::CheckpointCoordinator>(job.to_string(), jg, s, h);
  }

  // Starts a checkpoint that one task acknowledges; returns what completed. The task's snapshot references
  // `shared` files of the job's shared/ directory (it uploads the ones that do not exist yet), as an
  // incremental RocksDB snapshot does, listed in the checkpoint's task-0.shared-refs.
  std::optional<cluster::CompletedCheckpoint> run(cluster::CheckpointCoordinator& c,
                                                  const std::vector<std::string>& shared = {}) {
    auto b = c.begin(/*attempt=*/1, /*tasks=*/1, false, {}, 0);
    if (!shared.empty()) {
      fs::create_directories(b.target_dir);
      fs::create_directories(shared_dir());
      std::ofstream refs(fs::path(b.target_dir) / "task-0.shared-refs");
      for (const auto& name : shared) {
        refs << "shared/" << name << "\n";
        if (!fs::exists(shared_dir() / name)) std::ofstream(shared_dir() / name) << name;
      }
    }
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

// The pointer may be in ZooKeeper (the multi-op's answer was lost): the checkpoint is not complete for this
// JobManager (no task is told, it is not retained), but its files stay for a leader that restores from it.
TEST(CheckpointCoordinatorHa, ACompletionOfUnknownOutcomeAbortsTheCheckpointAndKeepsItsFiles) {
  Fixture f;
  auto c = f.coordinator(1);
  ASSERT_TRUE(f.run(*c).has_value());  // 41
  f.add_unknown = true;
  EXPECT_FALSE(f.run(*c).has_value());  // 42
  EXPECT_EQ(c->retained().back().id, 41);
  EXPECT_TRUE(fs::exists(f.job_dir() / "chk-41" / "_metadata"));
  EXPECT_TRUE(fs::exists(f.job_dir() / "chk-42" / "_metadata"));
  EXPECT_EQ(c->stats().failed, 1);
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

// Ids are taken from the counter ahead of the triggers, on the I/O lane (here: at once, there is no
// executor). When the counter fails none is reserved: a trigger cannot start (not a checkpoint failure), and
// whoever waits for ids hears why; once the counter answers again ids continue from it.
TEST(CheckpointCoordinatorHa, IdsAreReservedAheadAndAFailedCounterLeavesNoneUntilItAnswers) {
  Fixture f;
  f.counter_down = true;
  auto c = f.coordinator(1);
  c->set_io(nullptr, nullptr);  // starts reserving
  EXPECT_EQ(c->cannot_start(1'000'000, true), cluster::CheckpointCoordinator::kNoReservedId);
  std::string heard = "nothing";
  c->reserve_ids([&](const std::string& error) { heard = error; });
  EXPECT_NE(heard.find("ZooKeeper is down"), std::string::npos) << heard;
  EXPECT_EQ(c->stats().failed, 0);
  f.counter_down = false;
  c->reserve_ids([&](const std::string& error) { heard = error; });
  EXPECT_EQ(heard, "");
  EXPECT_EQ(c->cannot_start(1'000'000, false), "");
  EXPECT_EQ(f.next, 41 + static_cast<int64_t>(cluster::CheckpointCoordinator::kReservedIds));
  ASSERT_TRUE(f.run(*c).has_value());
  ASSERT_TRUE(f.run(*c).has_value());
  EXPECT_EQ(f.added.front().first, 41);
  EXPECT_EQ(f.added.back().first, 42);
}

// A new leader recovers a job with incremental (shared) state: the checkpoints a former leader retained are
// adopted with their shared references, so a restart before the first new checkpoint restores the latest of
// them, shared files still referenced are kept, and once the adopted checkpoints are subsumed their
// directories and the shared files nothing references any more are deleted (not left until the job ends).
TEST(CheckpointCoordinatorHa, ANewLeaderAdoptsTheRetainedCheckpointsAndTheirSharedState) {
  Fixture f;
  {
    auto former = f.coordinator(/*retained=*/1);
    ASSERT_TRUE(f.run(*former, {"a.sst", "b.sst"}).has_value());  // 41
    ASSERT_TRUE(f.run(*former, {"b.sst", "c.sst"}).has_value());  // 42 subsumes 41: a.sst goes
    EXPECT_EQ(f.shared_files(), (std::set<std::string>{"b.sst", "c.sst"}));
    // The former leader dies here: its coordinator goes without a word (no on_job_end, no cleanup).
  }
  auto c = f.coordinator(1, {{42, (f.job_dir() / "chk-42").string()}});
  ASSERT_EQ(c->retained().size(), 1u);
  EXPECT_EQ(c->retained().back().id, 42);
  EXPECT_EQ(*c->latest_checkpoint_path(), (f.job_dir() / "chk-42").string());

  // The first checkpoint of the new leader keeps c.sst (it references it) and subsumes 42: b.sst and the
  // directory chk-42 go. Its ids follow those the former leader reserved (41 to 45: kReservedIds ahead) and
  // never used.
  ASSERT_TRUE(f.run(*c, {"c.sst", "d.sst"}).has_value());  // 46
  EXPECT_EQ(f.shared_files(), (std::set<std::string>{"c.sst", "d.sst"}));
  EXPECT_FALSE(fs::exists(f.job_dir() / "chk-42"));
  ASSERT_TRUE(f.run(*c, {"d.sst", "e.sst"}).has_value());  // 47
  EXPECT_EQ(f.shared_files(), (std::set<std::string>{"d.sst", "e.sst"}));
  EXPECT_EQ(f.added.back(), (std::pair<int64_t, std::vector<int64_t>>{47, {47}}));

  c->on_job_end(/*canceled=*/false, /*finished=*/true);
  EXPECT_FALSE(fs::exists(f.job_dir()));
}

// Two retained checkpoints recovered (num-retained 2): both stay until subsumed in turn, and a shared file
// both reference outlives the first.
TEST(CheckpointCoordinatorHa, RecoveredCheckpointsAreSubsumedOneByOne) {
  Fixture f;
  {
    auto former = f.coordinator(2);
    ASSERT_TRUE(f.run(*former, {"a.sst", "b.sst"}).has_value());  // 41
    ASSERT_TRUE(f.run(*former, {"b.sst", "c.sst"}).has_value());  // 42
  }
  auto c =
      f.coordinator(2, {{41, (f.job_dir() / "chk-41").string()}, {42, (f.job_dir() / "chk-42").string()}});
  // (43 to 45 were reserved by the former leader and never used.)
  ASSERT_TRUE(f.run(*c, {"c.sst"}).has_value());  // 46 subsumes 41: a.sst goes, b.sst (42) stays
  EXPECT_EQ(f.shared_files(), (std::set<std::string>{"b.sst", "c.sst"}));
  EXPECT_FALSE(fs::exists(f.job_dir() / "chk-41"));
  EXPECT_TRUE(fs::exists(f.job_dir() / "chk-42" / "_metadata"));
  EXPECT_EQ(f.added.back(), (std::pair<int64_t, std::vector<int64_t>>{46, {42, 46}}));
  ASSERT_TRUE(f.run(*c, {"c.sst"}).has_value());  // 47 subsumes 42: b.sst goes
  EXPECT_EQ(f.shared_files(), (std::set<std::string>{"c.sst"}));
  EXPECT_FALSE(fs::exists(f.job_dir() / "chk-42"));
}

}  // namespace
}  // namespace weir
