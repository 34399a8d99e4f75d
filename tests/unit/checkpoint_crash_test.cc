// Crash loop over checkpoint storage (RocksDB's crash test, for Weir's checkpoints): a job takes a
// sequence of checkpoints through CheckpointStorage over the fault-injecting file system; for every
// operation N of that sequence the "process" dies at N, and a restarted one (a plain local file system)
// must restore exactly the newest checkpoint whose _metadata commit completed before the crash, at any
// parallelism, whatever temp files and half-written directories the dead one left, and must be able to
// checkpoint again over them. Also: failing fsyncs, renames and writes fail the checkpoint.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/common/key_group.h"
#include "weir/fs/fault_injecting_file_system.h"
#include "weir/fs/file_system.h"
#include "weir/fs/local_file_system.h"

namespace weir::checkpoint {
namespace {

using fs::Fault;
using fs::FaultInjectingFileSystem;
using fs::FsOp;

constexpr int kMaxParallelism = 8;
constexpr int kWindowParallelism = 2;  // of the checkpoints before the crash
constexpr int64_t kCheckpoints = 4;
constexpr size_t kNumRetained = 2;
const std::string kJob = "job";
const std::string kSourceOp = "source-uid";
const std::string kWindowOp = "window-uid";

// The job's state at checkpoint `id` is a function of the id alone, so the test knows what a restore
// must return without asking the code under test. A backend snapshots every key group of its range, an
// empty one as empty bytes; key groups empty out and fill up again between checkpoints.
std::map<KeyGroup, std::string> window_keyed_at(int64_t id) {
  std::map<KeyGroup, std::string> m;
  for (KeyGroup g = 0; g < kMaxParallelism; ++g)
    m[g] = (g + id) % 3 == 0 ? std::string()
                             : "sum=" + std::to_string(id * 100 + g) + " kg=" + std::to_string(g) +
                                   std::string(static_cast<size_t>(g), '.');
  return m;
}

// The window operator's list state of subtask `subtask` (of those that wrote checkpoint `id`).
std::vector<std::string> window_list_at(int64_t id, int subtask) {
  std::vector<std::string> v;
  for (int i = 0; i <= (id + subtask) % 3; ++i)
    v.push_back("pending-" + std::to_string(id) + "-" + std::to_string(subtask) + "-" + std::to_string(i));
  return v;
}

std::vector<std::string> source_offsets_at(int64_t id) {
  return {"partition-0@" + std::to_string(id * 10), "partition-1@" + std::to_string(id * 10 + 3)};
}

TaskSnapshot source_snapshot(int64_t id) {
  OperatorSnapshot op;
  op.checkpoint_id = id;
  op.operator_id = kSourceOp;
  op.list_states["offsets"] = source_offsets_at(id);
  return {0, 0, {std::move(op)}};
}

TaskSnapshot window_snapshot(int64_t id, int parallelism, int subtask) {
  OperatorSnapshot op;
  op.checkpoint_id = id;
  op.operator_id = kWindowOp;
  op.subtask = subtask;
  op.parallelism = parallelism;
  KeyGroupRange range = key_group_range_for_subtask(kMaxParallelism, parallelism, subtask);
  for (const auto& [g, bytes] : window_keyed_at(id))
    if (range.contains(g)) op.keyed[g] = bytes;
  op.list_states["pending"] = window_list_at(id, subtask);
  return {1, subtask, {std::move(op)}};
}

// One checkpoint as the TaskManagers and the CheckpointCoordinator take it: every subtask writes its
// snapshot, then _metadata is written, then the checkpoints num-retained subsumes are discarded.
void take_checkpoint(const CheckpointStorage& storage, int64_t id, int window_parallelism,
                     std::deque<std::string>& retained) {
  std::string dir = storage.checkpoint_dir(id);
  CheckpointMetadata m;
  m.job_id = kJob;
  m.checkpoint_id = id;
  m.timestamp = 1000 * id;
  m.vertices = {{0, "source", 1, kMaxParallelism, {kSourceOp}},
                {1, "window", window_parallelism, kMaxParallelism, {kWindowOp}}};
  m.tasks.push_back(CheckpointStorage::write_task_state(dir, source_snapshot(id)));
  for (int s = 0; s < window_parallelism; ++s)
    m.tasks.push_back(CheckpointStorage::write_task_state(dir, window_snapshot(id, window_parallelism, s)));
  storage.write_metadata(dir, m);
  retained.push_back(dir);
  while (retained.size() > kNumRetained) {
    storage.discard(retained.front());
    retained.pop_front();
  }
}

void run_job(const CheckpointStorage& storage) {
  std::deque<std::string> retained;
  for (int64_t id = 1; id <= kCheckpoints; ++id) take_checkpoint(storage, id, kWindowParallelism, retained);
}

std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += "\n  " + l;
  return s;
}

class CheckpointCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("weir-crash-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    fs::set_for_testing("file", nullptr);
    std::filesystem::remove_all(dir_);
  }

  std::shared_ptr<FaultInjectingFileSystem> install_faulty_fs() {
    auto f = std::make_shared<FaultInjectingFileSystem>(std::make_shared<fs::LocalFileSystem>());
    fs::set_for_testing("file", f);
    return f;
  }

  size_t temp_files() const {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_))
      if (e.path().filename().string().find(".inprogress") != std::string::npos) ++n;
    return n;
  }

  // What a restarted process restores from the job directory: the newest valid checkpoint, then for each
  // subtask of each new parallelism its handles and its share of the state. It must be checkpoint
  // `expected_id` (0: none), written with the window at `written_parallelism`, exactly.
  void expect_restores(const CheckpointStorage& storage, int64_t expected_id, int written_parallelism,
                       const std::string& context) {
    SCOPED_TRACE(context);
    std::vector<std::string> why;
    auto latest = latest_valid_checkpoint(storage.job_dir(), &why);
    if (expected_id == 0) {
      EXPECT_FALSE(latest) << "restored checkpoint " << latest->metadata.checkpoint_id
                           << ", but none had completed";
      return;
    }
    ASSERT_TRUE(latest) << "no valid checkpoint; expected " << expected_id << lines(why);
    ASSERT_EQ(latest->metadata.checkpoint_id, expected_id) << lines(why);

    std::vector<std::string> all_lists;
    for (int s = 0; s < written_parallelism; ++s)
      for (auto& e : window_list_at(expected_id, s)) all_lists.push_back(e);
    std::sort(all_lists.begin(), all_lists.end());
    for (int p : {1, 2, 3}) {
      std::map<KeyGroup, std::string> keyed;
      for (int s = 0; s < p; ++s) {
        KeyGroupRange range = key_group_range_for_subtask(kMaxParallelism, p, s);
        RestoredCheckpoint r = read_task_restore(restore_handles_for(*latest, {kWindowOp}, range), range);
        std::vector<std::string> lists;
        for (const OperatorSnapshot* part : r.for_operator(kWindowOp).parts) {
          for (const auto& [g, bytes] : part->keyed) {
            EXPECT_TRUE(range.contains(g)) << "subtask " << s << " of " << p << " got key group " << g;
            EXPECT_TRUE(keyed.emplace(g, bytes).second) << "key group " << g << " restored twice";
          }
          for (const auto& [name, elems] : part->list_states) {
            EXPECT_EQ(name, "pending");
            lists.insert(lists.end(), elems.begin(), elems.end());
          }
        }
        std::sort(lists.begin(), lists.end());
        EXPECT_EQ(lists, all_lists) << "list state seen by subtask " << s << " of " << p;
        EXPECT_TRUE(r.for_operator(kSourceOp).parts.empty());
      }
      EXPECT_EQ(keyed, window_keyed_at(expected_id)) << "keyed state at parallelism " << p;
    }
    KeyGroupRange all{0, kMaxParallelism - 1};
    RestoredCheckpoint src = read_task_restore(restore_handles_for(*latest, {kSourceOp}, all), all);
    auto parts = src.for_operator(kSourceOp).parts;
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0]->list_states.at("offsets"), source_offsets_at(expected_id));
  }

  // Never a torn checkpoint: every directory with a _metadata is a complete, loadable checkpoint (a
  // discard cut short must not leave a _metadata whose files are gone).
  void expect_no_torn_checkpoint(const CheckpointStorage& storage, const std::string& context) {
    if (!std::filesystem::exists(storage.job_dir())) return;
    for (const auto& e : std::filesystem::directory_iterator(storage.job_dir())) {
      if (!std::filesystem::exists(e.path() / "_metadata")) continue;
      EXPECT_NO_THROW(load_checkpoint(e.path().string())) << context << ": " << e.path();
    }
  }

  std::filesystem::path dir_;
};

// The operation numbers of each checkpoint's _metadata commit in an undisturbed run, read from the
// file system's trace: a checkpoint is complete exactly when that commit is.
std::map<int64_t, uint64_t> metadata_commits(const std::vector<std::string>& trace) {
  std::map<int64_t, uint64_t> out;
  for (const auto& line : trace) {
    auto sp1 = line.find(' ');
    auto sp2 = line.find(' ', sp1 + 1);
    std::string op = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string path = line.substr(sp2 + 1);
    const std::string suffix = "/_metadata";
    if (op != "commit" || !path.ends_with(suffix)) continue;
    std::string dir = path.substr(0, path.size() - suffix.size());
    std::string name = dir.substr(dir.rfind('/') + 1);
    EXPECT_EQ(name.rfind("chk-", 0), 0u) << line;
    out[std::stoll(name.substr(4))] = std::stoull(line.substr(0, sp1));
  }
  return out;
}

TEST_F(CheckpointCrashTest, RestoreFindsTheNewestCompleteCheckpointAfterACrashAtAnyOperation) {
  const std::string base = (dir_ / "checkpoints").string();
  CheckpointStorage storage(base, kJob);

  // The undisturbed run: how many operations it makes and when each checkpoint completes.
  auto counter = install_faulty_fs();
  run_job(storage);
  const uint64_t total = counter->count();
  const auto completes_at = metadata_commits(counter->trace());
  ASSERT_EQ(completes_at.size(), static_cast<size_t>(kCheckpoints));
  ASSERT_GT(counter->count(FsOp::kRemoveAll), 0u) << "no checkpoint was discarded";
  expect_restores(storage, kCheckpoints, kWindowParallelism, "undisturbed run");
  counter.reset();

  size_t runs_with_temp_files = 0;
  std::map<int64_t, int> restored_ids;
  for (Fault fault : {Fault::kCrash, Fault::kCrashAfter}) {
    for (uint64_t n = 1; n <= total; ++n) {
      std::filesystem::remove_all(base);
      auto faulty = install_faulty_fs();
      faulty->inject_at(n, fault);
      bool finished = false;
      try {
        run_job(storage);
        finished = true;
      } catch (const fs::SimulatedCrash&) {
      }
      ASSERT_TRUE(faulty->crashed() && !finished) << "no crash at operation " << n;
      const std::string at = (fault == Fault::kCrash ? "crash before operation " : "crash after operation ") +
                             faulty->trace().at(n - 1);
      if (temp_files() > 0) ++runs_with_temp_files;

      // The newest checkpoint whose _metadata commit completed before the process died.
      int64_t expected = 0;
      for (const auto& [id, op] : completes_at)
        if (op < n || (op == n && fault == Fault::kCrashAfter)) expected = id;
      ++restored_ids[expected];

      // The restarted process: a plain local file system, the dead one's leftovers still on disk.
      fs::set_for_testing("file", nullptr);
      expect_no_torn_checkpoint(storage, at);
      expect_restores(storage, expected, kWindowParallelism, at);
      // It goes on at another parallelism, over whatever the dead one left in the next checkpoint's
      // directory, and that checkpoint is the one restored next time.
      std::deque<std::string> retained;
      ASSERT_NO_THROW(take_checkpoint(storage, expected + 1, 3, retained)) << at;
      expect_restores(storage, expected + 1, 3, at + ", then one more checkpoint");
      if (HasFatalFailure()) return;
    }
  }
  // The loop saw every outcome: no checkpoint yet, each one, and leftovers of a dead process.
  for (int64_t id = 0; id <= kCheckpoints; ++id) EXPECT_GT(restored_ids[id], 0) << "never restored " << id;
  EXPECT_GT(runs_with_temp_files, 0u);
}

TEST_F(CheckpointCrashTest, FailingWritesAndSyncsFailTheTaskSnapshot) {
  const std::string dir = (dir_ / "chk-1").string();
  // write_file: create, write, commit (the fsync, rename and directory fsync on a local disk).
  for (FsOp op : {FsOp::kCreate, FsOp::kWrite, FsOp::kCommit}) {
    auto faulty = install_faulty_fs();
    faulty->inject(op, 1, Fault::kFail);
    EXPECT_THROW(CheckpointStorage::write_task_state(dir, window_snapshot(1, 1, 0)), fs::FileSystemError)
        << op_name(op);
    EXPECT_FALSE(std::filesystem::exists(dir + "/1-0")) << op_name(op);
    EXPECT_EQ(temp_files(), 0u) << op_name(op);
  }
}

TEST_F(CheckpointCrashTest, AFailingMetadataCommitFailsTheCheckpointAndTheLastOneStays) {
  CheckpointStorage storage((dir_ / "checkpoints").string(), kJob);
  auto faulty = install_faulty_fs();
  std::deque<std::string> retained;
  take_checkpoint(storage, 1, kWindowParallelism, retained);
  // Checkpoint 2's _metadata is its 4th commit (after three task snapshots): the 8th overall.
  faulty->inject(FsOp::kCommit, 8, Fault::kFail);
  EXPECT_THROW(take_checkpoint(storage, 2, kWindowParallelism, retained), fs::FileSystemError);
  EXPECT_TRUE(faulty->trace().back().ends_with(" commit " + storage.checkpoint_dir(2) + "/_metadata"))
      << faulty->trace().back();
  EXPECT_FALSE(std::filesystem::exists(storage.checkpoint_dir(2) + "/_metadata"));
  fs::set_for_testing("file", nullptr);
  expect_restores(storage, 1, kWindowParallelism, "a failed _metadata commit");
  // The mkdirs before it (shared/) failing fails the checkpoint too.
  faulty = install_faulty_fs();
  faulty->inject(FsOp::kMkdirs, 1, Fault::kFail);
  EXPECT_THROW(storage.write_metadata(storage.checkpoint_dir(2), CheckpointMetadata{kJob, 2}),
               fs::FileSystemError);
}

}  // namespace
}  // namespace weir::checkpoint
