// The CheckpointCoordinator without HA (issue #12, item 7): a checkpoint completes once every task it waits
// for acknowledged it, and only then (its _metadata names each task once); acknowledgements that do not
// belong to it (an older attempt, an unknown or finished checkpoint, a second one of a task, a state handle
// of another subtask) change nothing; an aborted checkpoint's files go, and it counts as a failure towards
// the tolerable number; finished tasks are not waited for; max-concurrent and min-pause hold periodic
// triggers back; the newest num-retained completed checkpoints are kept and older ones deleted; what stays
// when the job ends. No I/O lane is set, so each completion's I/O runs in the call that completes it.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/jobmanager/checkpoint_coordinator.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using cluster::CheckpointCoordinator;
using cluster::CheckpointSettings;

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("weir-cc-" + std::to_string(::getpid()));
  JobId job = JobId::generate();
  std::shared_ptr<const graph::JobGraph> jg;

  Fixture() {
    fs::remove_all(dir);
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->from_sequence(0, 10).print();
    jg = env->get_job_graph();
  }
  ~Fixture() { fs::remove_all(dir); }

  static CheckpointSettings settings() {
    CheckpointSettings s;
    s.interval_ms = 100;
    return s;
  }
  std::unique_ptr<CheckpointCoordinator> coordinator(CheckpointSettings s = settings()) {
    s.dir = dir.string();
    return std::make_unique<CheckpointCoordinator>(job.to_string(), jg, s);
  }
  fs::path chk(int64_t id) const { return dir / job.to_string() / ("chk-" + std::to_string(id)); }
  bool complete_on_disk(int64_t id) const { return fs::exists(chk(id) / "_metadata"); }

  //! Subtask `subtask` of vertex `vertex` (attempt `attempt`) acknowledges checkpoint `id` with a state file
  //! of `size` bytes, written into the checkpoint's directory (or `where`) as a task does, unless it is
  //! there already (a repeated acknowledgement).
  cluster::CheckpointAck ack(int64_t id, int vertex, int subtask, int attempt = 0, uint64_t size = 10,
                             fs::path where = {}) {
    cluster::CheckpointAck a;
    a.id = {job, attempt, vertex, subtask};
    a.checkpoint_id = id;
    a.handle.vertex = vertex;
    a.handle.subtask = subtask;
    a.handle.file = "task-" + std::to_string(vertex) + "-" + std::to_string(subtask);
    a.handle.size = size;
    if (where.empty()) where = chk(id);
    fs::create_directories(where);
    if (!fs::exists(where / a.handle.file)) std::ofstream(where / a.handle.file) << std::string(size, 'x');
    return a;
  }
  //! A checkpoint of one task, acknowledged at `now_ms`: its id.
  int64_t run(CheckpointCoordinator& c, int64_t now_ms) {
    auto b = c.begin(0, 1, false, {}, now_ms);
    EXPECT_TRUE(c.acknowledge(ack(b.id, 0, 0), 0, now_ms).has_value());
    return b.id;
  }
};

TEST(CheckpointCoordinator, ACheckpointCompletesOnlyOnceEveryTaskAcknowledged) {
  Fixture f;
  auto c = f.coordinator();
  auto b = c->begin(/*attempt=*/0, /*tasks=*/3, false, {}, 100);
  EXPECT_EQ(b.id, 1);
  EXPECT_EQ(b.target_dir, f.chk(1).string());
  EXPECT_FALSE(c->acknowledge(f.ack(1, 0, 0), 0, 110).has_value());
  EXPECT_FALSE(c->acknowledge(f.ack(1, 1, 0), 0, 120).has_value());
  EXPECT_TRUE(c->is_pending(1));
  EXPECT_FALSE(f.complete_on_disk(1));
  EXPECT_TRUE(c->retained().empty());
  EXPECT_EQ(c->latest_checkpoint_path(), std::nullopt);

  auto done = c->acknowledge(f.ack(1, 1, 1), 0, 150);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->id, 1);
  EXPECT_EQ(done->path, f.chk(1).string());
  EXPECT_EQ(done->state_size, 30u);
  EXPECT_EQ(done->duration_ms, 50);
  EXPECT_FALSE(c->is_pending(1));
  ASSERT_EQ(c->retained().size(), 1u);
  EXPECT_EQ(c->latest_checkpoint_path(), f.chk(1).string());
  EXPECT_EQ(c->stats().completed, 1);
  // What a restore reads: the three tasks' handles.
  auto read = checkpoint::load_checkpoint(f.chk(1).string());
  EXPECT_EQ(read.metadata.checkpoint_id, 1);
  ASSERT_EQ(read.metadata.tasks.size(), 3u);
  EXPECT_EQ(read.metadata.tasks[2].vertex, 1);
  EXPECT_EQ(read.metadata.tasks[2].subtask, 1);
}

TEST(CheckpointCoordinator, AcknowledgementsThatDoNotBelongToAPendingCheckpointChangeNothing) {
  Fixture f;
  auto c = f.coordinator();
  auto b = c->begin(/*attempt=*/2, /*tasks=*/2, false, {}, 0);
  ASSERT_FALSE(c->acknowledge(f.ack(b.id, 0, 0, 2), 2, 10).has_value());
  // The same task again (a retried RPC): it does not stand in for the task still missing.
  EXPECT_FALSE(c->acknowledge(f.ack(b.id, 0, 0, 2, /*size=*/999), 2, 11).has_value());
  // The missing task, but its attempt before the restart; and the checkpoint asked of the job's current
  // attempt while it belongs to an earlier one.
  EXPECT_FALSE(c->acknowledge(f.ack(b.id, 0, 1, /*attempt=*/1), 2, 12).has_value());
  EXPECT_FALSE(c->acknowledge(f.ack(b.id, 0, 1, 3), 3, 12).has_value());
  // A checkpoint that was never triggered.
  EXPECT_FALSE(c->acknowledge(f.ack(b.id + 7, 0, 1, 2), 2, 13).has_value());
  EXPECT_FALSE(c->is_pending(b.id + 7));
  EXPECT_TRUE(c->is_pending(b.id));
  EXPECT_FALSE(f.complete_on_disk(b.id));
  EXPECT_EQ(c->stats().completed, 0);

  auto done = c->acknowledge(f.ack(b.id, 0, 1, 2), 2, 20);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state_size, 20u);  // the repeated acknowledgement's 999 bytes are not in it
  auto read = checkpoint::load_checkpoint(f.chk(b.id).string());
  ASSERT_EQ(read.metadata.tasks.size(), 2u);
  EXPECT_EQ(read.metadata.tasks[0].size, 10u);

  // A late acknowledgement of the completed checkpoint: no second completion, nothing rewritten.
  EXPECT_FALSE(c->acknowledge(f.ack(b.id, 0, 1, 2), 2, 30).has_value());
  EXPECT_EQ(c->stats().completed, 1);
  ASSERT_EQ(c->retained().size(), 1u);
  EXPECT_EQ(c->retained().back().completed_ms, 20);
}

// The metadata files each state handle under the subtask it names: an acknowledgement whose handle names
// another subtask (a faulty TaskManager) would stand in for that subtask's state and leave its own out.
TEST(CheckpointCoordinator, AnAcknowledgementWhoseStateIsOfAnotherSubtaskIsRefused) {
  Fixture f;
  auto c = f.coordinator();
  auto b = c->begin(0, 2, false, {}, 0);
  cluster::CheckpointAck wrong = f.ack(b.id, 0, 1);
  wrong.id.subtask = 0;  // subtask 0 acknowledges with subtask 1's state
  EXPECT_FALSE(c->acknowledge(wrong, 0, 10).has_value());
  EXPECT_FALSE(c->acknowledge(f.ack(b.id, 0, 1), 0, 20).has_value());
  EXPECT_TRUE(c->is_pending(b.id));
  ASSERT_TRUE(c->acknowledge(f.ack(b.id, 0, 0), 0, 30).has_value());
  auto read = checkpoint::load_checkpoint(f.chk(b.id).string());
  ASSERT_EQ(read.metadata.tasks.size(), 2u);
  EXPECT_EQ(read.metadata.tasks[0].subtask, 0);
  EXPECT_EQ(read.metadata.tasks[1].subtask, 1);
}

// A task declined (or the checkpoint timed out): the JobMaster aborts it. Its files go, a late
// acknowledgement does not bring it back, and the failure is recorded with its reason.
TEST(CheckpointCoordinator, AnAbortedCheckpointIsGoneWithItsFiles) {
  Fixture f;
  auto c = f.coordinator();
  auto b = c->begin(0, 2, false, {}, 0);
  ASSERT_FALSE(c->acknowledge(f.ack(b.id, 0, 0), 0, 10).has_value());
  ASSERT_TRUE(fs::exists(f.chk(b.id) / "task-0-0"));
  EXPECT_TRUE(c->abort(b.id, "task 1 declined it", 20));
  EXPECT_FALSE(c->is_pending(b.id));
  EXPECT_FALSE(fs::exists(f.chk(b.id)));
  EXPECT_EQ(c->stats().failed, 1);
  ASSERT_TRUE(c->stats().latest_failed.has_value());
  EXPECT_EQ(c->stats().latest_failed->id, b.id);
  EXPECT_EQ(c->stats().latest_failed->reason, "task 1 declined it");
  EXPECT_NE(c->last_failure().find("task 1 declined it"), std::string::npos) << c->last_failure();

  EXPECT_FALSE(c->acknowledge(f.ack(b.id, 0, 1), 0, 30).has_value());
  EXPECT_FALSE(f.complete_on_disk(b.id));
  EXPECT_TRUE(c->retained().empty());
  EXPECT_FALSE(c->abort(b.id, "again", 40));  // aborted once
  EXPECT_EQ(c->stats().failed, 1);
}

TEST(CheckpointCoordinator, AFinishedTaskIsNotWaitedFor) {
  Fixture f;
  auto c = f.coordinator();
  auto b = c->begin(/*attempt=*/1, /*tasks=*/3, false, {}, 0);
  ASSERT_FALSE(c->acknowledge(f.ack(b.id, 0, 0, 1), 1, 10).has_value());
  EXPECT_TRUE(c->task_finished(1, 0, 1, 20).empty());
  EXPECT_TRUE(c->is_pending(b.id));
  // The last task's earlier attempt finishing says nothing of its current one.
  EXPECT_TRUE(c->task_finished(/*attempt=*/0, 1, 0, 22).empty());
  EXPECT_TRUE(c->is_pending(b.id));
  // A task that acknowledged and then finished is counted once.
  EXPECT_TRUE(c->task_finished(1, 0, 0, 25).empty());
  EXPECT_TRUE(c->is_pending(b.id));
  // The last task finishing completes it.
  auto done = c->task_finished(1, 1, 0, 30);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, b.id);
  EXPECT_TRUE(f.complete_on_disk(b.id));
  EXPECT_EQ(checkpoint::load_checkpoint(f.chk(b.id).string()).metadata.tasks.size(), 1u);

  // Or the last acknowledgement does, after a task finished.
  auto b2 = c->begin(1, 2, false, {}, 40);
  EXPECT_TRUE(c->task_finished(1, 1, 1, 45).empty());
  EXPECT_TRUE(c->acknowledge(f.ack(b2.id, 0, 0, 1), 1, 50).has_value());
}

// Periodic triggers (savepoint=false) are held back; a savepoint or a checkpoint someone asked for is not.
TEST(CheckpointCoordinator, MaxConcurrentCheckpointsAndTheMinPauseHoldPeriodicTriggersBack) {
  Fixture f;
  auto s = Fixture::settings();
  s.max_concurrent = 2;
  s.min_pause_ms = 100;
  auto c = f.coordinator(s);
  EXPECT_EQ(c->cannot_start(0, false), "");
  auto b1 = c->begin(0, 1, false, {}, 0);
  EXPECT_EQ(c->cannot_start(0, false), "");
  auto b2 = c->begin(0, 1, false, {}, 0);
  EXPECT_EQ(c->cannot_start(0, false), "too many checkpoints in flight");
  EXPECT_EQ(c->cannot_start(0, true), "");
  // One ends (aborted): one may start again; an abort is no completion, so no pause follows it.
  ASSERT_TRUE(c->abort(b1.id, "declined", 5));
  EXPECT_EQ(c->cannot_start(5, false), "");

  // A completion at 1000: no periodic checkpoint before 1100.
  ASSERT_TRUE(c->acknowledge(f.ack(b2.id, 0, 0), 0, 1000).has_value());
  EXPECT_EQ(c->cannot_start(1000, false), "min pause since the last checkpoint not reached");
  EXPECT_EQ(c->cannot_start(1099, false), "min pause since the last checkpoint not reached");
  EXPECT_EQ(c->cannot_start(1099, true), "");
  EXPECT_EQ(c->cannot_start(1100, false), "");
}

TEST(CheckpointCoordinator, TheJobFailsOnlyAfterMoreConsecutiveFailuresThanTolerated) {
  Fixture f;
  auto s = Fixture::settings();
  s.tolerable_failures = 2;
  auto c = f.coordinator(s);
  auto fail_one = [&] {
    auto b = c->begin(0, 1, false, {}, 0);
    ASSERT_TRUE(c->abort(b.id, "declined", 0));
  };
  fail_one();
  fail_one();
  EXPECT_FALSE(c->failures_exceed_tolerance());
  fail_one();  // the third in a row
  EXPECT_TRUE(c->failures_exceed_tolerance());

  // A completion starts the count again.
  f.run(*c, 10);
  EXPECT_FALSE(c->failures_exceed_tolerance());
  fail_one();
  fail_one();
  EXPECT_FALSE(c->failures_exceed_tolerance());
  // Checkpoints aborted because the job fails over or ends, and failed savepoints, are not the
  // checkpoints' failures.
  c->begin(0, 1, false, {}, 20);
  c->begin(0, 1, false, {}, 20);
  EXPECT_EQ(c->abort_all("the job is failing over", 30).size(), 2u);
  auto sp = c->begin(0, 1, /*savepoint=*/true, (f.dir / "sp").string(), 40);
  ASSERT_TRUE(c->abort(sp.id, "declined", 50));
  EXPECT_FALSE(c->failures_exceed_tolerance());
  EXPECT_EQ(c->stats().failed, 3 + 2 + 2 + 1);
  fail_one();
  EXPECT_TRUE(c->failures_exceed_tolerance());
}

TEST(CheckpointCoordinator, TheNewestNumRetainedCheckpointsAreKeptAndOlderOnesDeleted) {
  Fixture f;
  auto s = Fixture::settings();
  s.num_retained = 2;
  auto c = f.coordinator(s);
  const int64_t first = f.run(*c, 10), second = f.run(*c, 20);
  EXPECT_TRUE(f.complete_on_disk(first));
  const int64_t third = f.run(*c, 30);
  ASSERT_EQ(c->retained().size(), 2u);
  EXPECT_EQ(c->retained().front().id, second);
  EXPECT_EQ(c->retained().back().id, third);
  EXPECT_FALSE(fs::exists(f.chk(first)));
  EXPECT_TRUE(f.complete_on_disk(second));
  EXPECT_TRUE(f.complete_on_disk(third));
  EXPECT_EQ(c->latest_checkpoint_path(), f.chk(third).string());
  // A savepoint is the user's: neither retained nor counted against num-retained, never deleted here.
  auto sp = c->begin(0, 1, true, (f.dir / "sp").string(), 40);
  ASSERT_TRUE(c->acknowledge(f.ack(sp.id, 0, 0, 0, 10, f.dir / "sp"), 0, 50).has_value());
  EXPECT_TRUE(fs::exists(f.dir / "sp" / "_metadata"));
  EXPECT_EQ(c->retained().back().id, third);
  EXPECT_TRUE(f.complete_on_disk(second));
  EXPECT_EQ(c->stats().latest_savepoint->path, (f.dir / "sp").string());
}

// A newer checkpoint completing subsumes older pending ones (their acknowledgements can only restore an older
// state): they are dropped with their files, not counted as failures.
TEST(CheckpointCoordinator, ACompletedCheckpointSubsumesOlderPendingOnes) {
  Fixture f;
  auto s = Fixture::settings();
  s.max_concurrent = 2;
  auto c = f.coordinator(s);
  auto older = c->begin(0, 2, false, {}, 0);
  auto newer = c->begin(0, 1, false, {}, 10);
  ASSERT_FALSE(c->acknowledge(f.ack(older.id, 0, 0), 0, 15).has_value());
  ASSERT_TRUE(c->acknowledge(f.ack(newer.id, 0, 0), 0, 20).has_value());
  EXPECT_FALSE(c->is_pending(older.id));
  EXPECT_FALSE(fs::exists(f.chk(older.id)));
  EXPECT_FALSE(c->acknowledge(f.ack(older.id, 0, 1), 0, 25).has_value());
  EXPECT_EQ(c->retained().back().id, newer.id);
  EXPECT_EQ(c->stats().failed, 0);
  EXPECT_FALSE(c->failures_exceed_tolerance());
}

TEST(CheckpointCoordinator, PendingCheckpointsOlderThanTheTimeoutAreNamed) {
  Fixture f;
  auto s = Fixture::settings();
  s.timeout_ms = 1000;
  s.max_concurrent = 2;
  auto c = f.coordinator(s);
  auto b1 = c->begin(0, 1, false, {}, 0);
  auto b2 = c->begin(0, 1, false, {}, 500);
  EXPECT_TRUE(c->timed_out(999).empty());
  EXPECT_EQ(c->timed_out(1000), std::vector<int64_t>{b1.id});
  EXPECT_EQ(c->timed_out(1500), (std::vector<int64_t>{b1.id, b2.id}));
}

// execution.checkpointing.externalized-checkpoint-retention: what stays once the job has ended.
TEST(CheckpointCoordinator, RetainedCheckpointsOutliveTheJobPerTheRetentionSetting) {
  struct Case {
    std::string retention;
    bool canceled, finished, kept;
  };
  for (const auto& k : std::vector<Case>{{"delete_on_cancellation", false, false, true},  // failed
                                         {"delete_on_cancellation", true, false, false},
                                         {"delete_on_cancellation", false, true, false},
                                         {"retain_on_cancellation", true, false, true},
                                         {"retain_on_cancellation", false, true, false},
                                         {"no_externalized_checkpoints", false, false, false}}) {
    SCOPED_TRACE(k.retention + (k.canceled ? " canceled" : k.finished ? " finished" : " failed"));
    Fixture f;
    auto s = Fixture::settings();
    s.retention = k.retention;
    auto c = f.coordinator(s);
    const int64_t id = f.run(*c, 10);
    c->on_job_end(k.canceled, k.finished);
    EXPECT_EQ(f.complete_on_disk(id), k.kept);
    EXPECT_EQ(fs::exists(f.dir / f.job.to_string()), k.kept);
  }
}

}  // namespace
}  // namespace weir
