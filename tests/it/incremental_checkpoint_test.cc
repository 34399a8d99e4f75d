// Incremental checkpoints of the RocksDB backend in running jobs: a checkpoint uploads what changed
// since the last one, not the whole state; shared files disappear once no retained checkpoint
// references them; a job resumes from an incremental checkpoint at another parallelism with the
// result of an uninterrupted run.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/cluster/jobmanager/job_master.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::eventually;
using testing::TempDir;
using KV = std::pair<int64_t, int64_t>;

// Keeps a sum and a 300-byte payload per key (so that state is large next to the change), emits the sum.
class PayloadSum final : public KeyedProcessFunction<int64_t, KV, KV> {
 public:
  void open(RuntimeContext& ctx) override {
    sum_ = &ctx.get_state(ValueStateDescriptor<int64_t>("sum"));
    payload_ = &ctx.get_state(ValueStateDescriptor<std::string>("payload"));
  }
  void process_element(const KV& kv, Context& ctx, Collector<KV>& out) override {
    int64_t s = sum_->value().value_or(0) + kv.second;
    sum_->update(s);
    payload_->update(std::string(300, static_cast<char>('a' + kv.second % 26)) + std::to_string(kv.second));
    out.collect({ctx.get_current_key(), s});
  }

 private:
  ValueState<int64_t>* sum_ = nullptr;
  ValueState<std::string>* payload_ = nullptr;
};

constexpr int64_t kKeys = 20'000;
constexpr int64_t kHot = kKeys / 100;  // the 1% of keys that change after the first kKeys records

//! Record i: key i for the first kKeys records (building the state), then one of the kHot hot keys.
KV record(int64_t i) {
  return {i < kKeys ? i : i % kHot, i % 1000};
}

struct Job {
  std::shared_ptr<CollectedResults<KV>> out;
  std::unique_ptr<StreamExecutionEnvironment> env;
  Job(const fs::path& dir, int parallelism, int64_t records, int64_t rate,
      const std::string& restore_from = "") {
    testing::state_backend_under_test() = "rocksdb";
    env = testing::environment();
    testing::state_backend_under_test() = "hashmap";
    env->set_parallelism(parallelism);
    env->configure("execution.checkpointing.dir", dir.string());
    env->configure("execution.checkpointing.incremental", "true");
    env->configure("execution.checkpointing.num-retained", "2");
    env->configure("execution.checkpointing.externalized-checkpoint-retention", "retain_on_cancellation");
    if (!restore_from.empty()) env->configure("execution.savepoint.path", restore_from);
    auto src = env->from_generator<int64_t>([](int64_t i) { return i; }, records, rate);
    src.uid("numbers");
    auto pairs = src.map([](const int64_t& i) { return record(i); });
    pairs.uid("records");
    auto sums = pairs.key_by([](const KV& kv) { return kv.first; }).process(PayloadSum());
    sums.uid("payload-sum");
    out = sums.collect();
  }
};

uint64_t file_size_sum(const std::vector<std::string>& files) {
  uint64_t n = 0;
  for (const auto& f : files) n += fs::file_size(f);
  return n;
}

//! The shared files a checkpoint references, as absolute paths (the lists name them relative to the
//! job directory).
std::set<std::string> refs_of(const std::string& chk_dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(chk_dir)) {
    if (e.path().extension() != ".shared-refs") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      EXPECT_TRUE(fs::path(line).is_relative()) << line;
      out.insert((fs::absolute(fs::path(chk_dir)).parent_path() / line).lexically_normal().string());
    }
  }
  return out;
}

//! Every subtask of the job is RUNNING or FINISHED (a checkpoint is refused before).
bool all_running(const JobClient& client) {
  auto eg = client.job_master().snapshot();
  return eg.count(cluster::ExecutionState::kRunning) + eg.count(cluster::ExecutionState::kFinished) ==
         eg.total();
}

TEST(IncrementalCheckpoints, SizeFollowsTheChangeAndSubsumedFilesDisappear) {
  TempDir dir;
  Job job(dir.path, 2, kKeys + 100 * kHot * 20, 20'000);
  auto client = job.env->execute_async("incremental");
  ASSERT_TRUE(eventually([&] { return job.out->size() >= static_cast<size_t>(kKeys); }));
  ASSERT_TRUE(eventually([&] { return all_running(client); }));
  std::string chk1 = client.trigger_checkpoint().get();
  auto refs1 = refs_of(chk1);
  ASSERT_FALSE(refs1.empty());
  uint64_t full = file_size_sum({refs1.begin(), refs1.end()});
  fs::path shared = fs::path(chk1).parent_path() / "shared";

  // Rounds of about a 1% change: each checkpoint uploads about the change; once compaction rewrites
  // the files of the first checkpoint and it is subsumed, its files go.
  std::set<std::string> prev = refs1;
  bool chk1_file_deleted = false;
  for (int round = 1; round <= 40 && !chk1_file_deleted; ++round) {
    size_t seen = job.out->size();
    ASSERT_TRUE(eventually([&] { return job.out->size() >= seen + static_cast<size_t>(kHot); }));
    std::string chk = client.trigger_checkpoint().get();
    auto refs = refs_of(chk);
    std::vector<std::string> uploaded;
    for (const auto& f : refs)
      if (!prev.count(f)) uploaded.push_back(f);
    uint64_t delta = file_size_sum(uploaded);
    if (round <= 2) {
      EXPECT_LT(delta * 20, full) << "round " << round << ": uploaded " << delta << " of " << full;
    }
    // Every file in shared/ is referenced by a retained checkpoint (this one or the previous one) once
    // the coordinator has released the subsumed one (right after the checkpoint completed).
    std::string stray;
    bool clean = eventually([&] {
      stray.clear();
      for (const auto& e : fs::directory_iterator(shared)) {
        std::string f = fs::absolute(e.path()).lexically_normal().string();
        if (!refs.count(f) && !prev.count(f)) stray = f;
      }
      return stray.empty();
    });
    EXPECT_TRUE(clean) << stray << " is referenced by no retained checkpoint";
    for (const auto& f : refs1)
      if (!fs::exists(f)) chk1_file_deleted = true;
    prev = std::move(refs);
  }
  EXPECT_TRUE(chk1_file_deleted) << "compaction never replaced a file of the first checkpoint";
  client.cancel();
  EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
}

//! Final sum per key from a run's output (sums only grow).
void merge_max(std::map<int64_t, int64_t>& into, const CollectedResults<KV>& r) {
  for (const auto& [k, s] : r.values()) into[k] = std::max(into[k], s);
}

TEST(IncrementalCheckpoints, RescalingFromAnIncrementalCheckpointGivesTheUninterruptedResult) {
  TempDir dir;
  constexpr int64_t kRecords = kKeys + 10'000;
  std::map<int64_t, int64_t> got, want;
  for (int64_t i = 0; i < kRecords; ++i) want[record(i).first] += record(i).second;
  std::string checkpoint;
  const int parallelisms[] = {2, 3, 1};
  for (int run = 0; run < 3; ++run) {
    Job job(dir.path / ("run" + std::to_string(run)), parallelisms[run], kRecords, 40'000, checkpoint);
    auto client = job.env->execute_async("rescale " + std::to_string(run));
    if (run < 2) {
      ASSERT_TRUE(eventually([&] { return job.out->size() >= 6000; }));
      // Output comes once one sink runs; a checkpoint needs every subtask running (under a sanitizer the
      // last of three may still deploy).
      ASSERT_TRUE(eventually([&] { return all_running(client); }));
      checkpoint = client.trigger_checkpoint().get();
      ASSERT_FALSE(refs_of(checkpoint).empty()) << "the checkpoint is not incremental";
      client.cancel();
      EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
      ASSERT_TRUE(fs::exists(fs::path(checkpoint) / "_metadata"));
    } else {
      client.get_job_execution_result();
    }
    merge_max(got, *job.out);
  }
  EXPECT_EQ(got, want);
}

TEST(IncrementalCheckpoints, CheckpointBaseDirectoryMovedAsAWholeStillRestores) {
  TempDir dir;
  constexpr int64_t kRecords = kKeys + 10'000;
  std::map<int64_t, int64_t> got, want;
  for (int64_t i = 0; i < kRecords; ++i) want[record(i).first] += record(i).second;
  fs::path chk;
  {
    Job job(dir.path / "base", 2, kRecords, 40'000);
    auto client = job.env->execute_async("before the move");
    ASSERT_TRUE(eventually([&] { return job.out->size() >= 6000; }));
    ASSERT_TRUE(eventually([&] { return all_running(client); }));
    chk = client.trigger_checkpoint().get();
    ASSERT_FALSE(refs_of(chk.string()).empty()) << "the checkpoint is not incremental";
    client.cancel();
    EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
    merge_max(got, *job.out);
  }
  // Move the whole base directory (chk-<n>/ and shared/ of the job): nothing is left where it was.
  fs::rename(dir.path / "base", dir.path / "moved");
  fs::path moved = dir.path / "moved" / fs::relative(chk, dir.path / "base");
  ASSERT_TRUE(fs::exists(moved / "_metadata"));
  ASSERT_FALSE(fs::exists(chk));
  Job job(dir.path / "after", 2, kRecords, 40'000, moved.string());
  auto client = job.env->execute_async("after the move");
  client.get_job_execution_result();
  merge_max(got, *job.out);
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace weir
