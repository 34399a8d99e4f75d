// Local recovery (execution.state-recovery.from-local) on a MiniCluster of two TaskManagers with TCP
// shuffles: Nexmark q17 with random task failures after checkpoints. With local recovery on, every
// restarted subtask restores from its TaskManager's local copy and reads nothing from the checkpoint
// storage (counted by the restoring tasks and, independently, by a counting file system under the
// checkpoint directory); with it off, restores read the checkpoint storage; with every local copy
// corrupted, restores fall back to the checkpoint storage. In every case the final rows equal an
// uninterrupted run's: nothing lost, nothing counted twice. A job's local copies are gone once it ends.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "q17_final_rows.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/fs/fault_injecting_file_system.h"
#include "weir/fs/file_system.h"
#include "weir/fs/local_file_system.h"
#include "weir/nexmark/query_runner.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace stdfs = std::filesystem;
using testing::TempDir;
using Rows = std::map<std::pair<int64_t, std::string>, std::string>;

nexmark::QueryOptions q17_options(std::shared_ptr<CollectedResults<std::string>> lines, double tps) {
  nexmark::QueryOptions o;
  o.generator.seed = 99;
  o.generator.events = 40'000;
  o.generator.rate = 1000;
  o.tps = tps;
  o.sink = nexmark::SinkSpec::memory(std::move(lines));
  return o;
}

const Rows& uninterrupted() {
  static const Rows rows = [] {
    Configuration c;
    c.set("parallelism.default", "2");
    auto lines = std::make_shared<CollectedResults<std::string>>();
    nexmark::run_query("q17", c, q17_options(lines, 0));
    return testing::q17_final_rows(*lines);
  }();
  return rows;
}

std::shared_ptr<cluster::MiniCluster> two_task_managers() {
  cluster::MiniClusterConfig mc;
  mc.num_task_managers = 2;
  mc.slots_per_task_manager = 1;
  mc.tcp_network = true;
  return std::make_shared<cluster::MiniCluster>(mc);
}

struct Q17Run {
  Rows rows;
  nexmark::QueryRunResult result;
  //! Reads of the files of checkpoint directories that restoring tasks read (task snapshot and keyed-state
  //! files), from the counting file system's trace.
  std::vector<std::string> task_file_reads;
};

// q17 at parallelism 2 on `mc` with 2 random failures after checkpoints, checkpoints every 30 ms, every
// checkpoint file through a counting file system.
Q17Run run_q17_with_failures(const Configuration& extra, const std::shared_ptr<cluster::MiniCluster>& mc) {
  TempDir dir;
  auto counting = std::make_shared<fs::FaultInjectingFileSystem>(std::make_shared<fs::LocalFileSystem>());
  fs::set_for_testing("file", counting);
  Configuration conf = extra;
  conf.set("parallelism.default", "2");
  conf.set("execution.checkpointing.interval", "30 ms");
  conf.set("execution.checkpointing.dir", dir.path.string());
  conf.set("restart-strategy.type", "fixed-delay");
  conf.set("restart-strategy.fixed-delay.attempts", "2");
  conf.set("restart-strategy.fixed-delay.delay", "10 ms");
  nexmark::RunControl control;
  control.inject_failures = 2;
  control.failure_seed = 7;
  control.cluster = mc;
  auto lines = std::make_shared<CollectedResults<std::string>>();
  Q17Run run;
  try {
    run.result = nexmark::run_query("q17", conf, q17_options(lines, 40'000), control);
  } catch (...) {
    fs::set_for_testing("file", nullptr);
    throw;
  }
  fs::set_for_testing("file", nullptr);
  run.rows = testing::q17_final_rows(*lines);
  for (const auto& line : counting->trace()) {
    std::istringstream in(line);
    std::string n, op, path;
    in >> n >> op >> path;
    // _metadata and the *.shared-refs lists are the JobManager's reads, not a restoring task's.
    const stdfs::path p(path);
    // Reads of shared/ files are a restoring task's too (incremental checkpoints' SST and chain files).
    // Local copies go through the same file system: only the checkpoint directory's files count.
    const bool task_file =
        path.rfind(dir.path.string(), 0) == 0 &&
        (path.find("/chk-") != std::string::npos || path.find("/shared/") != std::string::npos);
    if ((op == "read" || op == "read_range" || op == "download") && task_file &&
        p.filename() != "_metadata" && p.extension() != ".shared-refs")
      run.task_file_reads.push_back(line);
  }
  return run;
}

// Job directories left below the TaskManagers' local state directories.
std::vector<std::string> local_job_dirs(const cluster::MiniCluster& mc) {
  std::vector<std::string> out;
  for (const auto& te : mc.task_executors())
    for (const auto& root : te->local_state().root_dirs()) {
      std::error_code ec;
      for (stdfs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
        out.push_back(it->path().string());
    }
  return out;
}

// Counts the local copies each TaskManager stores.
std::shared_ptr<std::atomic<int>> count_copies(cluster::MiniCluster& mc) {
  auto n = std::make_shared<std::atomic<int>>(0);
  for (const auto& te : mc.task_executors())
    te->local_state().set_after_store_for_testing([n](const std::string&) { ++*n; });
  return n;
}

TEST(LocalRecovery, FailedTasksRestoreFromLocalCopiesWithNothingReadFromTheCheckpointStorage) {
  ASSERT_GT(uninterrupted().size(), 100u);
  auto mc = two_task_managers();
  auto copies = count_copies(*mc);
  Configuration conf;
  conf.set("execution.state-recovery.from-local", "true");
  Q17Run run = run_q17_with_failures(conf, mc);
  const auto& r = run.result;
  EXPECT_EQ(run.rows, uninterrupted());
  EXPECT_EQ(r.failures_injected, 2);
  EXPECT_EQ(r.restarts, 2);
  EXPECT_GT(copies->load(), 0);
  // Every restored subtask read its state from its TaskManager's disk.
  EXPECT_GT(r.restored_subtasks, 0);
  EXPECT_EQ(r.restored_local_subtasks, r.restored_subtasks);
  EXPECT_EQ(r.restored_bytes_remote, 0u);
  EXPECT_GT(r.restored_bytes_local, 0u);
  EXPECT_EQ(r.local_fallbacks, 0);
  EXPECT_TRUE(run.task_file_reads.empty())
      << run.task_file_reads.size() << " reads, first: " << run.task_file_reads.front();
  // The job ended: its local copies went with it.
  EXPECT_TRUE(local_job_dirs(*mc).empty()) << local_job_dirs(*mc).front();
}

// RocksDB full snapshots (small state: key-group blocks in the task file) and incremental checkpoints of
// both backends: the task file holds the native handle, and the shared files it names (SST files, heap
// chain parts) have local copies too (fs/local_file_copies.h), so nothing is read from the checkpoint
// storage, shared/ included (counted by the tasks and, independently, by the trace of shared/ reads).
struct BackendCase {
  const char* backend;
  bool incremental;
};
class LocalRecoveryBackends : public ::testing::TestWithParam<BackendCase> {};

TEST_P(LocalRecoveryBackends, FailedTasksRestoreTheirTaskAndSharedFilesFromLocalCopies) {
  const bool incremental = GetParam().incremental;
  auto mc = two_task_managers();
  Configuration conf;
  conf.set("execution.state-recovery.from-local", "true");
  conf.set("state.backend.type", GetParam().backend);
  conf.set("execution.checkpointing.incremental", incremental ? "true" : "false");
  Q17Run run = run_q17_with_failures(conf, mc);
  const auto& r = run.result;
  EXPECT_EQ(run.rows, uninterrupted());
  EXPECT_EQ(r.failures_injected, 2);
  EXPECT_GT(r.restored_subtasks, 0);
  EXPECT_EQ(r.restored_local_subtasks, r.restored_subtasks);
  EXPECT_EQ(r.restored_bytes_remote, 0u);
  EXPECT_GT(r.restored_bytes_local, 0u);
  EXPECT_EQ(r.local_fallbacks, 0);
  EXPECT_TRUE(run.task_file_reads.empty()) << run.task_file_reads.front();
  EXPECT_TRUE(local_job_dirs(*mc).empty());
}

INSTANTIATE_TEST_SUITE_P(FullAndIncremental, LocalRecoveryBackends,
                         ::testing::Values(BackendCase{"rocksdb", false}, BackendCase{"rocksdb", true},
                                           BackendCase{"hashmap", true}),
                         [](const auto& info) {
                           return std::string(info.param.backend) +
                                  (info.param.incremental ? "Incremental" : "Full");
                         });

TEST(LocalRecovery, WithoutItRestoresReadTheCheckpointStorageAndNoCopiesAreKept) {
  auto mc = two_task_managers();
  auto copies = count_copies(*mc);
  Q17Run run = run_q17_with_failures(Configuration{}, mc);
  const auto& r = run.result;
  EXPECT_EQ(run.rows, uninterrupted());
  EXPECT_EQ(r.failures_injected, 2);
  EXPECT_EQ(copies->load(), 0);
  EXPECT_GT(r.restored_subtasks, 0);
  EXPECT_EQ(r.restored_local_subtasks, 0);
  EXPECT_GT(r.restored_bytes_remote, 0u);
  EXPECT_EQ(r.restored_bytes_local, 0u);
  EXPECT_FALSE(run.task_file_reads.empty());
}

TEST(LocalRecovery, CorruptLocalCopiesFallBackToTheCheckpointStorage) {
  auto mc = two_task_managers();
  auto corrupted = std::make_shared<std::atomic<int>>(0);
  // Every copy gets one byte flipped past its magic: in a key-group block or the head, each CRC-checked.
  for (const auto& te : mc->task_executors())
    te->local_state().set_after_store_for_testing([corrupted](const std::string& file) {
      std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(9);
      char c = static_cast<char>(f.get());
      f.seekp(9);
      f.put(static_cast<char>(c ^ 0x5a));
      ++*corrupted;
    });
  Configuration conf;
  conf.set("execution.state-recovery.from-local", "true");
  Q17Run run = run_q17_with_failures(conf, mc);
  const auto& r = run.result;
  EXPECT_EQ(run.rows, uninterrupted());
  EXPECT_EQ(r.failures_injected, 2);
  EXPECT_GT(corrupted->load(), 0);
  EXPECT_GT(r.restored_subtasks, 0);
  EXPECT_EQ(r.local_fallbacks, r.restored_subtasks);
  EXPECT_EQ(r.restored_local_subtasks, 0);
  EXPECT_GT(r.restored_bytes_remote, 0u);
  EXPECT_FALSE(run.task_file_reads.empty());
}

TEST(LocalRecovery, ABadLocalStateDirectoryIsAnErrorNamingTheKey) {
  TempDir dir;
  std::ofstream(dir.path / "a-file") << "x";
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->configure("taskmanager.state.local.root-dirs", (dir.path / "a-file" / "below").string());
  env->from_collection<int64_t>({1, 2, 3}).print();
  try {
    env->execute("bad local dir");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("taskmanager.state.local.root-dirs"), std::string::npos) << e.what();
  }
}

// Waits (on the job's status, at most 30 s) until `done` holds.
template <typename Pred>
bool wait_until(const cluster::JobMaster& jm, Pred done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    jm.wait(std::chrono::milliseconds(1));
  }
  return true;
}

bool all_running(const cluster::JobMaster& jm, int attempt) {
  if (jm.attempt() != attempt) return false;
  const auto eg = jm.snapshot();
  for (const auto& v : eg.vertices())
    for (const auto& ev : v)
      if (ev.state != cluster::ExecutionState::kRunning || ev.attempt != attempt) return false;
  return true;
}

// Where each subtask of the job's last vertex runs.
std::vector<std::string> placement(const cluster::JobMaster& jm) {
  std::vector<std::string> out;
  const auto eg = jm.snapshot();
  for (const auto& ev : eg.vertices().back()) out.push_back(ev.task_manager);
  return out;
}

// Checkpoints taken on demand (no periodic ones): once each completes, every subtask's local directory
// holds the copy of that checkpoint alone; older ones are subsumed and removed.
TEST(LocalRecovery, CompletedCheckpointsLeaveOnlyTheLatestLocalCopy) {
  TempDir dir;
  cluster::MiniClusterConfig mcc;
  mcc.num_task_managers = 2;
  mcc.slots_per_task_manager = 1;
  auto mc = std::make_shared<cluster::MiniCluster>(mcc);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_cluster(mc);
  env->set_parallelism(2);
  env->configure("execution.checkpointing.dir", dir.path.string());
  env->configure("execution.state-recovery.from-local", "true");
  env->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 100).map([](const int64_t& v) {
    return v;
  });
  auto client = env->execute_async("on-demand checkpoints");
  const auto& jm = client.job_master();
  ASSERT_TRUE(wait_until(jm, [&] { return all_running(jm, 0); }));
  const std::string job = client.get_job_id().to_string();
  const int vertices = static_cast<int>(jm.job_graph().vertices.size());
  auto copies = [&] {
    std::vector<std::vector<int64_t>> out;
    for (int v = 0; v < vertices; ++v)
      for (int s = 0; s < jm.job_graph().vertices[v].parallelism; ++s) {
        std::vector<int64_t> ids;
        for (const auto& te : mc->task_executors())
          for (int64_t id : te->local_state().checkpoints(job, v, s)) ids.push_back(id);
        out.push_back(ids);
      }
    return out;
  };
  for (int64_t n = 1; n <= 3; ++n) {
    std::string path = client.trigger_checkpoint().get();
    ASSERT_EQ(stdfs::path(path).filename().string(), "chk-" + std::to_string(n));
    // Each task removes the older copies when it hears of the completion (its writer thread).
    auto only_n = [&] {
      for (const auto& ids : copies())
        if (ids != std::vector<int64_t>{n}) return false;
      return true;
    };
    ASSERT_TRUE(wait_until(jm, only_n)) << "after checkpoint " << n;
    for (int v = 0; v < vertices; ++v) {
      std::vector<std::string> names;
      for (const auto& te : mc->task_executors()) {
        std::error_code ec;
        for (stdfs::directory_iterator it(te->local_state().subtask_dir(job, v, 0), ec), end;
             !ec && it != end; it.increment(ec))
          names.push_back(it->path().filename().string());
      }
      EXPECT_EQ(names, std::vector<std::string>{"chk-" + std::to_string(n)});
    }
  }
  client.cancel();
  client.wait_for(std::chrono::seconds(30));
  EXPECT_TRUE(local_job_dirs(*mc).empty());
  mc->close();
}

TEST(LocalRecovery, WhenATaskManagerIsLostOnlyItsSubtasksMoveTheOthersKeepTheirTaskManager) {
  cluster::MiniClusterConfig mcc;
  mcc.num_task_managers = 3;
  mcc.slots_per_task_manager = 1;
  auto mc = std::make_shared<cluster::MiniCluster>(mcc);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_cluster(mc);
  env->set_parallelism(2);
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "3");
  env->configure("restart-strategy.fixed-delay.delay", "0 ms");
  env->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 100).map([](const int64_t& v) {
    return v;
  });
  auto client = env->execute_async("placement");
  auto jm = mc->dispatcher().job(client.get_job_id());
  ASSERT_TRUE(wait_until(*jm, [&] { return all_running(*jm, 0); }));
  auto before = placement(*jm);
  ASSERT_EQ(before, (std::vector<std::string>{"tm-0", "tm-1"}));
  // tm-0 is lost: subtask 0 moves to the free TaskManager, subtask 1 stays on tm-1 (a fresh allocation
  // would have moved it, too).
  mc->resource_manager().unregister_task_executor(NodeId(0));
  jm->on_task_manager_lost(NodeId(0), "lost in a test");
  ASSERT_TRUE(wait_until(*jm, [&] { return all_running(*jm, 1); }));
  EXPECT_EQ(placement(*jm), (std::vector<std::string>{"tm-2", "tm-1"}));
  client.cancel();
  client.wait_for(std::chrono::seconds(30));
  mc->close();
}

}  // namespace
}  // namespace weir
