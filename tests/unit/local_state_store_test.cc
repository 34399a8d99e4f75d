// Local recovery's store of local copies (checkpoint/local_state_store.h) and the restore path that reads
// them (read_task_restore with a LocalStateStore): a matching copy serves the whole restore with nothing
// read from the checkpoint storage; a missing, corrupt or foreign copy falls back to the checkpoint
// storage with the same state; completed checkpoints subsume older copies; a job's end removes its
// copies; restore_handles_for at an unchanged parallelism hands a subtask its own file (and union list
// state) only; bad configuration values name their key.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/checkpoint/local_state_store.h"
#include "weir/common/error.h"
#include "weir/common/key_group.h"

namespace weir::checkpoint {
namespace {

namespace stdfs = std::filesystem;

constexpr int kMaxParallelism = 8;
constexpr int kParallelism = 2;
const std::string kJob = "job-a";
const std::string kOp = "window-uid";

struct TempDir {
  TempDir() {
    static std::atomic<int> counter{0};
    path = stdfs::temp_directory_path() /
           ("weir-local-state-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    stdfs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path, ec);
  }
  stdfs::path path;
};

TaskSnapshot window_snapshot(int64_t id, int subtask) {
  OperatorSnapshot op;
  op.checkpoint_id = id;
  op.operator_id = kOp;
  op.subtask = subtask;
  op.parallelism = kParallelism;
  KeyGroupRange range = key_group_range_for_subtask(kMaxParallelism, kParallelism, subtask);
  for (KeyGroup g = range.start; g <= range.end; ++g)
    op.keyed[g] =
        "state of key group " + std::to_string(g) + " at " + std::to_string(id) + std::string(200, 'x');
  op.list_states["pending"] = {"p-" + std::to_string(subtask)};
  op.list_states["union:offsets"] = {"u-" + std::to_string(subtask)};
  return {1, subtask, {std::move(op)}};
}

// A checkpoint of two subtasks in `base`/chk-<id>, its metadata and the bytes of each task file.
struct Written {
  CompletedCheckpoint checkpoint;
  std::vector<std::string> bytes;  // per subtask
};

Written write_checkpoint(const stdfs::path& base, int64_t id) {
  CheckpointStorage storage(base.string(), kJob);
  Written w;
  w.checkpoint.path = storage.checkpoint_dir(id);
  auto& m = w.checkpoint.metadata;
  m.job_id = kJob;
  m.checkpoint_id = id;
  m.vertices = {{1, "window", kParallelism, kMaxParallelism, {kOp}}};
  for (int s = 0; s < kParallelism; ++s) {
    std::string bytes;
    m.tasks.push_back(CheckpointStorage::write_task_state(w.checkpoint.path, window_snapshot(id, s), &bytes));
    w.bytes.push_back(std::move(bytes));
  }
  storage.write_metadata(w.checkpoint.path, m);
  return w;
}

// What the restore gave operator kOp, as text: keyed state by key group and list states.
std::string state_of(const RestoredCheckpoint& r) {
  std::map<KeyGroup, std::string> keyed;
  std::map<std::string, std::vector<std::string>> lists;
  for (const auto* part : r.for_operator(kOp).parts) {
    for (const auto& [g, b] : part->keyed) keyed[g] = b;
    for (const auto& [name, elems] : part->list_states)
      lists[name].insert(lists[name].end(), elems.begin(), elems.end());
  }
  std::string out;
  for (const auto& [g, b] : keyed) out += std::to_string(g) + "=" + b + "\n";
  for (const auto& [name, elems] : lists)
    for (const auto& e : elems) out += name + ":" + e + "\n";
  return out;
}

RestoredCheckpoint restore(const CompletedCheckpoint& c, int subtask, const LocalStateStore* local) {
  KeyGroupRange range = key_group_range_for_subtask(kMaxParallelism, kParallelism, subtask);
  RestoreTarget target{subtask, kParallelism, kMaxParallelism};
  return read_task_restore(restore_handles_for(c, {kOp}, range, &target), range, local);
}

class LocalStateStoreTest : public ::testing::Test {
 protected:
  TempDir remote_, local_dir_;
  LocalStateStore store_{{local_dir_.path.string()}};

  void keep_copies(const Written& w) {
    for (int s = 0; s < kParallelism; ++s)
      ASSERT_TRUE(store_.store(kJob, w.checkpoint.metadata.checkpoint_id, w.checkpoint.path,
                               w.checkpoint.metadata.tasks[s], w.bytes[s]));
  }
};

TEST_F(LocalStateStoreTest, AMatchingCopyServesTheRestoreWithNothingReadRemotely) {
  Written w = write_checkpoint(remote_.path, 3);
  keep_copies(w);
  RestoredCheckpoint remote = restore(w.checkpoint, 1, nullptr);
  RestoredCheckpoint local = restore(w.checkpoint, 1, &store_);
  EXPECT_GT(remote.bytes_read, 0u);
  EXPECT_EQ(local.bytes_read, 0u);
  EXPECT_EQ(local.local_files, 2);  // its own file, and subtask 0's for its union list state
  EXPECT_GT(local.local_bytes_read, 0u);
  EXPECT_TRUE(local.local_fallbacks.empty());
  EXPECT_EQ(state_of(local), state_of(remote));
  // Its own key groups and its own list elements; the union list state of both subtasks.
  EXPECT_NE(state_of(local).find("pending:p-1"), std::string::npos);
  EXPECT_EQ(state_of(local).find("pending:p-0"), std::string::npos);
}

TEST_F(LocalStateStoreTest, UnionListStateOfOtherSubtasksIsStillRead) {
  Written w = write_checkpoint(remote_.path, 3);
  keep_copies(w);
  RestoredCheckpoint r = restore(w.checkpoint, 0, &store_);
  std::string s = state_of(r);
  EXPECT_NE(s.find("union:offsets:u-0"), std::string::npos) << s;
  EXPECT_NE(s.find("union:offsets:u-1"), std::string::npos) << s;
  EXPECT_EQ(s.find("pending:p-1"), std::string::npos) << s;
  EXPECT_EQ(r.local_files, 2);  // both subtasks' copies are on this (test) TaskManager
}

TEST_F(LocalStateStoreTest, ACorruptCopyFallsBackToTheCheckpointStorage) {
  Written w = write_checkpoint(remote_.path, 3);
  keep_copies(w);
  RestoredCheckpoint want = restore(w.checkpoint, 1, nullptr);
  // Flip a byte inside the first key-group block of subtask 1's copy (same size: only the CRC sees it).
  const std::string file = (stdfs::path(store_.subtask_dir(kJob, 1, 1)) / "chk-3" / "1-1").string();
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('#');
  }
  RestoredCheckpoint got = restore(w.checkpoint, 1, &store_);
  EXPECT_GT(got.bytes_read, 0u);
  EXPECT_EQ(got.local_files, 1);  // subtask 0's copy (union list state) is fine
  ASSERT_EQ(got.local_fallbacks.size(), 1u);
  EXPECT_NE(got.local_fallbacks[0].find("checksum"), std::string::npos) << got.local_fallbacks[0];
  EXPECT_EQ(state_of(got), state_of(want));
}

TEST_F(LocalStateStoreTest, ATruncatedCopyOrManifestFallsBack) {
  Written w = write_checkpoint(remote_.path, 3);
  keep_copies(w);
  RestoredCheckpoint want = restore(w.checkpoint, 0, nullptr);
  stdfs::resize_file(stdfs::path(store_.subtask_dir(kJob, 1, 0)) / "chk-3" / "1-0", 10);
  RestoredCheckpoint got = restore(w.checkpoint, 0, &store_);
  EXPECT_EQ(state_of(got), state_of(want));
  ASSERT_FALSE(got.local_fallbacks.empty());
  EXPECT_NE(got.local_fallbacks[0].find("another size"), std::string::npos) << got.local_fallbacks[0];

  {
    std::fstream m(stdfs::path(store_.subtask_dir(kJob, 1, 1)) / "chk-3" / "_manifest",
                   std::ios::in | std::ios::out | std::ios::binary);
    m.seekp(12);
    m.put('~');
  }
  RestoredCheckpoint again = restore(w.checkpoint, 1, &store_);
  EXPECT_EQ(again.local_files, 0);
  EXPECT_FALSE(again.local_fallbacks.empty());
}

TEST_F(LocalStateStoreTest, NoCopyOrACopyOfAnotherCheckpointIsNotUsed) {
  Written w3 = write_checkpoint(remote_.path, 3);
  RestoredCheckpoint none = restore(w3.checkpoint, 0, &store_);
  EXPECT_EQ(none.local_files, 0);
  EXPECT_TRUE(none.local_fallbacks.empty());  // nothing there: no complaint
  EXPECT_GT(none.bytes_read, 0u);

  // A copy filed under checkpoint 3 but written for another checkpoint directory is refused.
  TempDir other;
  Written elsewhere = write_checkpoint(other.path, 3);
  ASSERT_TRUE(store_.store(kJob, 3, elsewhere.checkpoint.path, elsewhere.checkpoint.metadata.tasks[0],
                           elsewhere.bytes[0]));
  RestoredCheckpoint r = restore(w3.checkpoint, 0, &store_);
  EXPECT_EQ(r.local_files, 0);
  ASSERT_EQ(r.local_fallbacks.size(), 1u);
  EXPECT_NE(r.local_fallbacks[0].find("another checkpoint"), std::string::npos);
}

// A keyed-state file beside the task file (RocksDB full snapshots of larger state) is copied too, and a
// local restore resolves it against the local copy; a copy of it that fails its CRC-32C is not used.
TEST_F(LocalStateStoreTest, KeyedStateFilesAreCopiedAndCheckedWhole) {
  CheckpointStorage storage(remote_.path.string(), kJob);
  const std::string dir = storage.checkpoint_dir(5);
  stdfs::create_directories(dir);
  std::ofstream(stdfs::path(dir) / "inst.keyed-state", std::ios::binary) << std::string(5000, 'k');
  TaskSnapshot snap = window_snapshot(5, 0);
  snap.operators[0].keyed_state_file = "inst.keyed-state";
  CompletedCheckpoint c;
  c.path = dir;
  c.metadata.job_id = kJob;
  c.metadata.checkpoint_id = 5;
  c.metadata.vertices = {{1, "window", kParallelism, kMaxParallelism, {kOp}}};
  std::string bytes;
  c.metadata.tasks.push_back(CheckpointStorage::write_task_state(dir, snap, &bytes));
  ASSERT_TRUE(store_.store(kJob, 5, dir, c.metadata.tasks[0], bytes));
  const stdfs::path copy = stdfs::path(store_.subtask_dir(kJob, 1, 0)) / "chk-5";
  EXPECT_EQ(stdfs::file_size(copy / "inst.keyed-state"), 5000u);

  RestoredCheckpoint local = restore(c, 0, &store_);
  EXPECT_EQ(local.bytes_read, 0u);
  ASSERT_EQ(local.for_operator(kOp).parts.size(), 1u);
  EXPECT_EQ(local.for_operator(kOp).parts[0]->source_dir, copy.string());

  {
    std::fstream f(copy / "inst.keyed-state", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('#');
  }
  RestoredCheckpoint remote = restore(c, 0, &store_);
  EXPECT_GT(remote.bytes_read, 0u);
  ASSERT_EQ(remote.local_fallbacks.size(), 1u);
  EXPECT_NE(remote.local_fallbacks[0].find("inst.keyed-state"), std::string::npos)
      << remote.local_fallbacks[0];
  EXPECT_EQ(remote.for_operator(kOp).parts[0]->source_dir, dir);
}

TEST_F(LocalStateStoreTest, CompletedCheckpointsSubsumeOlderCopiesAndTheJobsEndRemovesAll) {
  for (int64_t id = 1; id <= 4; ++id) keep_copies(write_checkpoint(remote_.path, id));
  EXPECT_EQ(store_.checkpoints(kJob, 1, 0), (std::vector<int64_t>{1, 2, 3, 4}));
  store_.confirm(kJob, 1, 0, 3);  // 4 is still pending: it stays
  EXPECT_EQ(store_.checkpoints(kJob, 1, 0), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(store_.checkpoints(kJob, 1, 1), (std::vector<int64_t>{1, 2, 3, 4}));
  store_.discard(kJob, 1, 0, 4);
  EXPECT_EQ(store_.checkpoints(kJob, 1, 0), (std::vector<int64_t>{3}));
  std::vector<std::string> names;
  for (const auto& e : stdfs::directory_iterator(store_.subtask_dir(kJob, 1, 0)))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"chk-3"}));
  store_.release_job(kJob);
  EXPECT_FALSE(stdfs::exists(local_dir_.path / kJob));
}

TEST_F(LocalStateStoreTest, ACopyThatCannotBeWrittenIsReportedNotThrown) {
  Written w = write_checkpoint(remote_.path, 1);
  // A regular file where the store's directory would be.
  TempDir d;
  std::ofstream(d.path / "blocked") << "x";
  LocalStateStore blocked({(d.path / "blocked").string()});
  EXPECT_FALSE(blocked.store(kJob, 1, w.checkpoint.path, w.checkpoint.metadata.tasks[0], w.bytes[0]));
}

TEST(RestoreHandles, AtAnUnchangedParallelismASubtaskGetsItsOwnPartAndUnionStateOnly) {
  TempDir remote;
  Written w = write_checkpoint(remote.path, 2);
  KeyGroupRange range = key_group_range_for_subtask(kMaxParallelism, kParallelism, 0);
  RestoreTarget same{0, kParallelism, kMaxParallelism};
  auto h = restore_handles_for(w.checkpoint, {kOp}, range, &same);
  ASSERT_EQ(h.metadata.tasks.size(), 2u);  // subtask 1 holds union list state
  EXPECT_FALSE(h.metadata.tasks[0].operators[0].union_only);
  EXPECT_TRUE(h.metadata.tasks[1].operators[0].union_only);
  EXPECT_TRUE(h.metadata.tasks[1].operators[0].key_groups.empty());
  // Another parallelism: every old part, as before.
  RestoreTarget other{0, 3, kMaxParallelism};
  auto all = restore_handles_for(w.checkpoint, {kOp}, range, &other);
  ASSERT_EQ(all.metadata.tasks.size(), 2u);
  EXPECT_FALSE(all.metadata.tasks[1].operators[0].union_only);
  // Without union list state another subtask's file is not named at all.
  CompletedCheckpoint c = w.checkpoint;
  for (auto& t : c.metadata.tasks) t.operators[0].union_state = false;
  auto own = restore_handles_for(c, {kOp}, range, &same);
  ASSERT_EQ(own.metadata.tasks.size(), 1u);
  EXPECT_EQ(own.metadata.tasks[0].subtask, 0);
  // The flags survive the trip to a TaskManager, and metadata without them reads as union state.
  auto decoded = decode_metadata(encode_metadata(h.metadata), "test");
  EXPECT_TRUE(decoded.tasks[1].operators[0].union_only);
  EXPECT_TRUE(decode_task_handle(R"({"vertex":1,"subtask":0,"file":"1-0","size":10,)"
                                 R"("operators":[{"id":"x","state":true}]})",
                                 "test")
                  .operators[0]
                  .union_state);
}

TEST(LocalRecoveryConfig, BadValuesNameTheirKey) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Configuration c;
  EXPECT_NE(message([&] {
              c.set("execution.state-recovery.from-local", "maybe");
            }).find("execution.state-recovery.from-local"),
            std::string::npos);
  EXPECT_NE(message([&] {
              c.set("execution.checkpointing.local-backup.enabled", "2");
            }).find("execution.checkpointing.local-backup.enabled"),
            std::string::npos);
  for (const char* bad : {"s3://bucket/local", "/tmp/a,,/tmp/b", " , "}) {
    Configuration d;
    d.set("taskmanager.state.local.root-dirs", bad);
    EXPECT_NE(message([&] { local_state_root_dirs(d); }).find("taskmanager.state.local.root-dirs"),
              std::string::npos)
        << bad;
  }
  TempDir t;
  std::ofstream(t.path / "file") << "x";
  Configuration e;
  e.set("taskmanager.state.local.root-dirs", (t.path / "file" / "below").string());
  EXPECT_NE(message([&] { local_state_root_dirs(e); }).find("taskmanager.state.local.root-dirs"),
            std::string::npos);

  Configuration ok;
  ok.set("taskmanager.state.local.root-dirs",
         "file://" + (t.path / "a").string() + ", " + (t.path / "b").string());
  EXPECT_EQ(local_state_root_dirs(ok),
            (std::vector<std::string>{(t.path / "a").string(), (t.path / "b").string()}));
  EXPECT_TRUE(stdfs::is_directory(t.path / "b"));

  // Local backup follows from-local unless set.
  Configuration f;
  EXPECT_FALSE(options::local_recovery_enabled(f));
  EXPECT_FALSE(options::local_backup_enabled(f));
  f.set("execution.state-recovery.from-local", "true");
  EXPECT_TRUE(options::local_backup_enabled(f));
  f.set("execution.checkpointing.local-backup.enabled", "false");
  EXPECT_FALSE(options::local_backup_enabled(f));
}

}  // namespace
}  // namespace weir::checkpoint
