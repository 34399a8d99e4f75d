// The shared-state registry (checkpoint/shared_state_registry.h) against real files in a temporary job
// directory, and the contract the CheckpointCoordinator and the incremental heap backend rely on: a file of
// shared/ stays exactly as long as a retained checkpoint references it (references computed here from what
// each checkpoint was made of, not from the registry), files of other jobs are never deleted, a recovered
// registry keeps what the restored checkpoints reference, files uploaded by a checkpoint that never
// completed are never deleted on its account (the next checkpoint may build on them), savepoints are never
// registered, and a corrupt list is an error naming it that fails the checkpoint instead of letting files
// still in use be deleted later.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "state_backend_support.h"
#include "weir/checkpoint/shared_state_registry.h"
#include "weir/cluster/jobmanager/checkpoint_coordinator.h"
#include "weir/common/error.h"
#include "weir/common/serializer.h"
#include "weir/state/heap/heap_keyed_state_backend.h"
#include "weir/state/state_factory.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace sfs = std::filesystem;
using checkpoint::SharedStateRegistry;
using Names = std::set<std::string>;

class SharedStateTest : public ::testing::Test {
 protected:
  SharedStateTest() {
    root_ = sfs::temp_directory_path() / ("weir-shared-state-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    sfs::remove_all(root_);
    sfs::create_directories(shared());
  }
  ~SharedStateTest() override { sfs::remove_all(root_); }

  sfs::path job_dir() const { return root_ / job_; }
  sfs::path shared() const { return job_dir() / "shared"; }
  sfs::path chk(int64_t id) const { return job_dir() / ("chk-" + std::to_string(id)); }

  //! Writes `names` into shared/ (those not there yet) and task `task`'s list in checkpoint `id`'s
  //! directory, one line per file relative to the job directory, as the backends write them.
  void write_checkpoint(int64_t id, const Names& names, const std::string& task = "task-0") {
    sfs::create_directories(chk(id));
    std::string list;
    for (const auto& n : names) {
      if (!sfs::exists(shared() / n)) std::ofstream(shared() / n) << n;
      list += "shared/" + n + "\n";
    }
    write_raw(chk(id) / (task + ".shared-refs"), list);
  }
  static void write_raw(const sfs::path& p, const std::string& bytes) {
    sfs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }
  //! The names in shared/ now.
  Names on_disk() const {
    Names out;
    for (const auto& e : sfs::directory_iterator(shared())) out.insert(e.path().filename().string());
    return out;
  }
  std::string abs(const std::string& name) const { return (shared() / name).string(); }

  sfs::path root_;
  std::string job_ = "job-a";
};

TEST_F(SharedStateTest, TheListsOfEveryTaskAreReadAsOneSetOfAbsolutePaths) {
  write_checkpoint(1, {"a.sst", "b.sst"}, "task-0");
  write_checkpoint(1, {"b.sst", "c.sst"}, "task-1");
  // An older list with absolute paths, a file of another job's directory (a job resumed from another job's
  // retained checkpoint), an S3 path, and empty lines: all kept as written, each once.
  write_raw(chk(1) / "task-2.shared-refs", abs("c.sst") + "\n\n" + (root_ / "job-b/shared/x.sst").string() +
                                               "\ns3://bucket/ck/job-a/shared/y.sst\n");
  write_raw(chk(1) / "task-0.snapshot", "not a list");
  write_raw(chk(1) / "shared-refs", "not a list either: no task name");
  const std::vector<std::string> want = {(root_ / "job-b/shared/x.sst").string(), abs("a.sst"), abs("b.sst"),
                                         abs("c.sst"), "s3://bucket/ck/job-a/shared/y.sst"};
  std::vector<std::string> got = checkpoint::read_shared_refs(chk(1).string());
  std::sort(got.begin(), got.end());
  std::vector<std::string> sorted_want = want;
  std::sort(sorted_want.begin(), sorted_want.end());
  EXPECT_EQ(got, sorted_want);
  // No lists (a checkpoint of stateless tasks, or one whose tasks keep no shared state): no references.
  sfs::create_directories(chk(2));
  EXPECT_TRUE(checkpoint::read_shared_refs(chk(2).string()).empty());
  EXPECT_TRUE(checkpoint::read_shared_refs(chk(3).string()).empty());
}

// Random checkpoints, each referencing some files of earlier ones and some new ones, with 1, 2 and 3
// retained: after every completion shared/ holds exactly the union of the retained checkpoints' files, and
// release_checkpoint() reports how many went.
TEST_F(SharedStateTest, AFileStaysUntilTheLastRetainedCheckpointReferencingItIsSubsumed) {
  for (int retained = 1; retained <= 3; ++retained) {
    SCOPED_TRACE("retained " + std::to_string(retained));
    sfs::remove_all(job_dir());
    sfs::create_directories(shared());
    std::mt19937 rng(7 + retained);
    SharedStateRegistry reg(shared().string());
    std::map<int64_t, Names> kept;  // retained checkpoint -> its files (the model)
    int next_file = 0;
    Names last;
    for (int64_t id = 1; id <= 40; ++id) {
      Names files;
      for (const auto& f : last)
        if (rng() % 3 != 0) files.insert(f);  // most files live on into the next checkpoint
      for (int n = static_cast<int>(rng() % 4); n > 0; --n) files.insert("f" + std::to_string(next_file++));
      write_checkpoint(id, files);
      reg.register_checkpoint(id, chk(id).string());
      kept[id] = files;
      last = files;
      size_t deleted = 0;
      Names before = on_disk();
      while (static_cast<int>(kept.size()) > retained) {
        deleted += reg.release_checkpoint(kept.begin()->first);
        kept.erase(kept.begin());
      }
      Names want;
      for (const auto& [k, names] : kept) want.insert(names.begin(), names.end());
      ASSERT_EQ(on_disk(), want) << "after checkpoint " << id;
      EXPECT_EQ(deleted, before.size() - want.size());
      EXPECT_EQ(reg.num_referenced_files(), want.size());
    }
    for (const auto& [k, names] : kept) reg.release_checkpoint(k);
    EXPECT_TRUE(on_disk().empty());
    EXPECT_EQ(reg.num_referenced_files(), 0u);
  }
}

TEST_F(SharedStateTest, FilesOutsideThisJobsSharedDirectoryAreCountedButNeverDeleted) {
  const sfs::path other = root_ / "job-b" / "shared" / "theirs.sst";
  write_raw(other, "x");
  write_raw(shared() / "sub" / "deeper.sst", "x");  // not directly in shared/: never one of ours
  write_checkpoint(1, {"ours.sst"});
  write_raw(chk(1) / "task-1.shared-refs", other.string() + "\nshared/sub/deeper.sst\n");
  SharedStateRegistry reg(shared().string());
  reg.register_checkpoint(1, chk(1).string());
  EXPECT_EQ(reg.num_referenced_files(), 3u);
  EXPECT_EQ(reg.release(1), std::vector<std::string>{abs("ours.sst")});
  EXPECT_EQ(reg.num_referenced_files(), 0u);
  EXPECT_TRUE(sfs::exists(other));
  EXPECT_TRUE(sfs::exists(shared() / "sub" / "deeper.sst"));

  // A registry without a shared directory (no checkpoint storage) deletes nothing at all.
  SharedStateRegistry none("");
  none.register_checkpoint(1, chk(1).string());
  EXPECT_TRUE(none.release(1).empty());
}

// A checkpoint that never completed was never registered (its files are not counted), releasing it or
// releasing a checkpoint twice deletes nothing, and a checkpoint without shared files costs no entry.
TEST_F(SharedStateTest, ReleasingAnUnregisteredOrReleasedCheckpointDeletesNothing) {
  SharedStateRegistry reg(shared().string());
  write_checkpoint(1, {"a.sst", "b.sst"});
  reg.register_checkpoint(1, chk(1).string());
  write_checkpoint(2, {"b.sst", "c.sst"});  // uploaded, then aborted: never registered
  EXPECT_EQ(reg.release_checkpoint(2), 0u);
  EXPECT_EQ(on_disk(), (Names{"a.sst", "b.sst", "c.sst"}));
  EXPECT_EQ(reg.release_checkpoint(1), 2u);  // a and b: c was never counted, so it is not ours to judge
  EXPECT_EQ(on_disk(), (Names{"c.sst"}));
  EXPECT_EQ(reg.release_checkpoint(1), 0u);
  reg.add(3, {});
  EXPECT_EQ(reg.memory_bytes(), 0u);
}

// What a new JobMaster does on recovery (CheckpointHaHooks::recovered): it registers the retained
// checkpoints from their lists. Files they reference stay; files a checkpoint that failed uploaded (never
// completed, never registered) stay too, because the job restored from the retained checkpoint may upload
// nothing new for them (RocksDB finds the SST file already there) and reference them again; they go once a
// completed checkpoint that referenced them is subsumed. Anything nothing ever registered stays until the
// job's directory is removed.
TEST_F(SharedStateTest, ARecoveredRegistryKeepsWhatTheRestoredCheckpointsReference) {
  {
    SharedStateRegistry former(shared().string());
    write_checkpoint(1, {"a.sst", "b.sst"});
    former.register_checkpoint(1, chk(1).string());
    write_checkpoint(2, {"b.sst", "c.sst"});
    former.register_checkpoint(2, chk(2).string());
    write_checkpoint(3, {"c.sst", "d.sst"});
    former.register_checkpoint(3, chk(3).string());
    former.release_checkpoint(1);                  // retained: 2 and 3
    write_checkpoint(4, {"d.sst", "orphan.sst"});  // failed with the JobManager, never completed
    // The former JobMaster dies without releasing anything.
  }
  EXPECT_EQ(on_disk(), (Names{"b.sst", "c.sst", "d.sst", "orphan.sst"}));
  SharedStateRegistry reg(shared().string());
  reg.register_checkpoint(2, chk(2).string());
  reg.register_checkpoint(3, chk(3).string());
  EXPECT_EQ(reg.num_referenced_files(), 3u);

  // The restored job's first checkpoint builds on 3's files and reuses the orphan.
  write_checkpoint(5, {"d.sst", "orphan.sst", "e.sst"});
  reg.register_checkpoint(5, chk(5).string());
  EXPECT_EQ(reg.release_checkpoint(2), 1u);  // b
  EXPECT_EQ(reg.release_checkpoint(3), 1u);  // c; d lives on in 5
  EXPECT_EQ(on_disk(), (Names{"d.sst", "e.sst", "orphan.sst"}));
  write_checkpoint(6, {"e.sst", "f.sst"});
  reg.register_checkpoint(6, chk(6).string());
  EXPECT_EQ(reg.release_checkpoint(5), 2u);  // d and the former orphan, now referenced by nothing retained
  EXPECT_EQ(on_disk(), (Names{"e.sst", "f.sst"}));
}

TEST_F(SharedStateTest, ACorruptListIsAnErrorNamingTheList) {
  struct Case {
    std::string what, bytes, message;
  };
  const std::vector<Case> cases = {
      {"torn", "shared/a.sst\nshared/b.s", "ending in the middle of a line"},
      {"nul", std::string("shared/a.sst\0shared/b.sst\n", 26), "line 1 holds the control character 0"},
      {"dotdot", "shared/a.sst\nshared/../../../etc/passwd\n", "line 2: path"},
      {"cr", "shared/a.sst\r\n", "line 1 holds the control character 13"},
      {"bad-scheme", "ftp://host/shared/a.sst\n", "line 1: path 'ftp://host/shared/a.sst' has the scheme"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const sfs::path dir = chk(1);
    sfs::remove_all(dir);
    const sfs::path list = dir / ("task-" + c.what + ".shared-refs");
    write_raw(list, c.bytes);
    try {
      (void)checkpoint::read_shared_refs(dir.string());
      ADD_FAILURE() << "a corrupt list was read";
    } catch (const WeirError& e) {
      EXPECT_NE(std::string(e.what()).find("corrupt shared-state list '" + list.string() + "'"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
    // Nothing was registered: the registry counts nothing and deletes nothing on its account.
    SharedStateRegistry reg(shared().string());
    EXPECT_ANY_THROW(reg.register_checkpoint(1, dir.string()));
    EXPECT_EQ(reg.num_referenced_files(), 0u);
  }
  sfs::remove_all(chk(1));
  sfs::create_directories(chk(1) / "task-0.shared-refs");
  try {
    (void)checkpoint::read_shared_refs(chk(1).string());
    ADD_FAILURE() << "a directory was read as a list";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("task-0.shared-refs': a directory"), std::string::npos) << e.what();
  }
}

TEST_F(SharedStateTest, AFileThatCannotBeDeletedIsReportedAndLeft) {
  write_raw(shared() / "busy.sst" / "inside", "a directory where a file should be: unlink fails");
  write_raw(shared() / "plain.sst", "x");
  EXPECT_EQ(checkpoint::remove_shared_files({abs("busy.sst"), abs("plain.sst"), abs("gone.sst")}), 2u);
  EXPECT_TRUE(sfs::exists(shared() / "busy.sst" / "inside"));
  EXPECT_FALSE(sfs::exists(shared() / "plain.sst"));
}

// ---- the coordinator's use of it ----

class CoordinatorSharedStateTest : public SharedStateTest {
 protected:
  CoordinatorSharedStateTest() {
    job_ = job_id_.to_string();
    sfs::create_directories(shared());
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->from_sequence(0, 10).print();
    jg_ = env->get_job_graph();
  }

  std::unique_ptr<cluster::CheckpointCoordinator> coordinator(
      int retained, std::vector<cluster::CheckpointHaHooks::Retained> recovered = {}) {
    cluster::CheckpointSettings s;
    s.interval_ms = 100;
    s.dir = root_.string();
    s.num_retained = retained;
    s.max_concurrent = 4;
    cluster::CheckpointHaHooks h;
    h.recovered = std::move(recovered);
    return std::make_unique<cluster::CheckpointCoordinator>(job_, jg_, s, h);
  }
  //! Acknowledges checkpoint `id` for its one task.
  std::optional<cluster::CompletedCheckpoint> ack(cluster::CheckpointCoordinator& c, int64_t id) {
    cluster::CheckpointAck a;
    a.id = {job_id_, 1, 0, 0};
    a.checkpoint_id = id;
    return c.acknowledge(a, 1, 10);
  }

  JobId job_id_ = JobId::generate();
  std::shared_ptr<const graph::JobGraph> jg_;
};

// A checkpoint aborted after its task uploaded files: its directory goes, its shared files stay (the next
// checkpoint of that task may reference them, as a heap chain's next part does), and they go once the
// checkpoint that references them is subsumed.
TEST_F(CoordinatorSharedStateTest, AnAbortedCheckpointsSharedFilesStayForTheNextOne) {
  auto c = coordinator(1);
  auto b1 = c->begin(1, 1, false, {}, 0);
  write_checkpoint(b1.id, {"a.sst"});
  ASSERT_TRUE(ack(*c, b1.id).has_value());
  auto b2 = c->begin(1, 1, false, {}, 0);
  write_checkpoint(b2.id, {"a.sst", "b.sst"});
  ASSERT_TRUE(c->abort(b2.id, "declined by another task", 20));
  EXPECT_FALSE(sfs::exists(chk(b2.id)));
  EXPECT_EQ(on_disk(), (Names{"a.sst", "b.sst"}));
  auto b3 = c->begin(1, 1, false, {}, 0);
  write_checkpoint(b3.id, {"b.sst", "c.sst"});
  ASSERT_TRUE(ack(*c, b3.id).has_value());  // subsumes 1: a goes, b is 3's now
  EXPECT_EQ(on_disk(), (Names{"b.sst", "c.sst"}));
  auto b4 = c->begin(1, 1, false, {}, 0);
  write_checkpoint(b4.id, {"c.sst"});
  ASSERT_TRUE(ack(*c, b4.id).has_value());
  EXPECT_EQ(on_disk(), (Names{"c.sst"}));
  c->on_job_end(/*canceled=*/false, /*finished=*/true);
  EXPECT_FALSE(sfs::exists(job_dir()));
}

// Savepoints belong to whoever took them: never registered (a list in one, which no backend writes, is not
// read), never deleted when checkpoints are subsumed or the job ends.
TEST_F(CoordinatorSharedStateTest, ASavepointIsNeverRegisteredNorDeleted) {
  auto c = coordinator(1);
  auto b1 = c->begin(1, 1, false, {}, 0);
  write_checkpoint(b1.id, {"a.sst"});
  ASSERT_TRUE(ack(*c, b1.id).has_value());
  const sfs::path sp = root_ / "savepoints" / "sp-1";
  auto s = c->begin(1, 1, true, sp.string(), 0);
  write_raw(sp / "task-0.shared-refs", "shared/a.sst\n");
  write_raw(sp / "task-0.snapshot", "state");
  auto done = ack(*c, s.id);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->savepoint);
  auto b2 = c->begin(1, 1, false, {}, 0);
  write_checkpoint(b2.id, {"b.sst"});
  ASSERT_TRUE(ack(*c, b2.id).has_value());  // subsumes 1: a goes, whatever the savepoint's list says
  EXPECT_EQ(on_disk(), (Names{"b.sst"}));
  ASSERT_EQ(c->retained().size(), 1u);
  EXPECT_EQ(c->retained().back().id, b2.id);
  c->on_job_end(false, true);
  EXPECT_TRUE(sfs::exists(sp / "_metadata"));
  EXPECT_TRUE(sfs::exists(sp / "task-0.snapshot"));
}

// A corrupt list fails the checkpoint before anything of it is durable: no _metadata, the failure names the
// list, and the last completed checkpoint and its files stay.
TEST_F(CoordinatorSharedStateTest, ACheckpointWithACorruptListFailsNamingItAndTheLastOneStays) {
  auto c = coordinator(1);
  auto b1 = c->begin(1, 1, false, {}, 0);
  write_checkpoint(b1.id, {"a.sst"});
  ASSERT_TRUE(ack(*c, b1.id).has_value());
  auto b2 = c->begin(1, 1, false, {}, 0);
  write_raw(chk(b2.id) / "task-0.shared-refs", "shared/a.sst\nshared/b");
  EXPECT_FALSE(ack(*c, b2.id).has_value());
  EXPECT_NE(
      c->last_failure().find("corrupt shared-state list '" + (chk(b2.id) / "task-0.shared-refs").string()),
      std::string::npos)
      << c->last_failure();
  EXPECT_FALSE(sfs::exists(chk(b2.id) / "_metadata"));
  ASSERT_EQ(c->retained().size(), 1u);
  EXPECT_EQ(c->retained().back().id, b1.id);
  EXPECT_EQ(on_disk(), (Names{"a.sst"}));
}

// A recovered checkpoint whose list cannot be read registers nothing: when it is subsumed its directory
// goes, but none of the shared files it may reference is deleted on its account.
TEST_F(CoordinatorSharedStateTest, ARecoveredCheckpointWithACorruptListKeepsItsFiles) {
  write_checkpoint(7, {"a.sst"});
  write_raw(chk(7) / "task-1.shared-refs", std::string("shared/b.sst\0", 13) + "\n");
  write_raw(shared() / "b.sst", "x");
  auto c = coordinator(1, {{7, chk(7).string()}});
  ASSERT_EQ(c->retained().size(), 1u);
  auto b = c->begin(1, 1, false, {}, 0);
  write_checkpoint(b.id, {"c.sst"});
  ASSERT_TRUE(ack(*c, b.id).has_value());
  EXPECT_FALSE(sfs::exists(chk(7)));
  EXPECT_EQ(on_disk(), (Names{"a.sst", "b.sst", "c.sst"}));
}

// ---- with the heap backend's incremental checkpoints ----

// The backend writes the chain files and lists, the coordinator registers and subsumes: after every
// checkpoint shared/ holds exactly the chain files of the retained checkpoints (as the backend named them in
// its handles, read here from chain()) plus parts of aborted checkpoints no completed one built on, every
// retained checkpoint restores to what the state held then, and a savepoint writes no list and no shared
// file.
TEST_F(CoordinatorSharedStateTest, HeapChainFilesLiveExactlyAsLongAsARetainedCheckpointNeedsThem) {
  Configuration conf = testing_support::state_backend_config("hashmap");
  conf.set("execution.checkpointing.incremental", "true");
  auto clock = std::make_shared<ManualClock>(1000);
  auto make = [&] { return testing_support::make_state_backend("hashmap", {0, 127}, 128, clock, &conf); };
  auto b = make();
  auto* heap = dynamic_cast<state::HeapKeyedStateBackend*>(b.get());
  ASSERT_NE(heap, nullptr);
  auto* value = state::value_state(*b, ValueStateDescriptor<int64_t>("v"));
  auto c = coordinator(2);

  auto chain_names = [&] {
    Names n;
    for (const auto& f : heap->chain()) n.insert(sfs::path(f).filename().string());
    return n;
  };
  std::map<int64_t, std::pair<std::string, std::map<int64_t, int64_t>>> handles;  // id -> handle, model
  std::map<int64_t, Names> retained;                                              // the model
  Names aborted_parts;
  std::map<int64_t, int64_t> model;
  for (int round = 1; round <= 10; ++round) {
    for (int64_t k = 0; k < 50; ++k) {
      if ((k + round) % 3 != 0) continue;
      b->set_current_key(serialize_to_string(k));
      value->update(k * 100 + round);
      model[k] = k * 100 + round;
    }
    auto barrier = c->begin(1, 1, false, {}, 0);
    std::string handle = b->snapshot_native({barrier.id, false, barrier.target_dir});
    ASSERT_FALSE(handle.empty());
    const Names chain = chain_names();
    if (round % 4 == 3) {  // another task declined it after this one's upload
      ASSERT_TRUE(c->abort(barrier.id, "declined", 0));
      aborted_parts.insert(sfs::path(heap->chain().back()).filename().string());
    } else {
      ASSERT_TRUE(ack(*c, barrier.id).has_value()) << c->last_failure();
      retained[barrier.id] = chain;
      handles[barrier.id] = {handle, model};
      while (retained.size() > 2) retained.erase(retained.begin());
    }
    Names want;
    for (const auto& [id, names] : retained) want.insert(names.begin(), names.end());
    for (const auto& part : aborted_parts) {
      bool built_on = false;  // by a completed checkpoint, subsumed by now or not
      for (const auto& [id, h] : handles) built_on = built_on || h.first.find(part) != std::string::npos;
      if (!built_on) want.insert(part);
    }
    ASSERT_EQ(on_disk(), want) << "after round " << round;
  }
  size_t built_on = 0;  // the case the contract is for: an aborted checkpoint's part in a later chain
  for (const auto& part : aborted_parts)
    for (const auto& [id, h] : handles) built_on += h.first.find(part) != std::string::npos;
  EXPECT_GE(built_on, 1u);
  ASSERT_EQ(c->retained().size(), 2u);
  for (const auto& cc : c->retained()) {
    SCOPED_TRACE("restoring checkpoint " + std::to_string(cc.id));
    auto restored = make();
    restored->restore_native({handles.at(cc.id).first}, cc.path);
    auto* v = state::value_state(*restored, ValueStateDescriptor<int64_t>("v"));
    for (const auto& [k, want] : handles.at(cc.id).second) {
      restored->set_current_key(serialize_to_string(k));
      EXPECT_EQ(v->value(), std::optional<int64_t>(want)) << "key " << k;
    }
  }

  const Names before = on_disk();
  const sfs::path sp = root_ / "savepoints" / "sp";
  state::NativeSnapshot s = b->take_native_snapshot({99, true, sp.string()});
  if (s.upload) s.upload();
  EXPECT_TRUE(s.handle.empty()) << "a savepoint must be canonical (self-contained)";
  EXPECT_EQ(on_disk(), before);
  EXPECT_FALSE(sfs::exists(sp) && !sfs::is_empty(sp));
}

}  // namespace
}  // namespace weir
