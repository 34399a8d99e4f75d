// Savepoints: stop a job with a savepoint, resume it at another parallelism (1 -> 4 -> 2), and get
// the same final keyed state as an uninterrupted run; refuse state that matches no operator. Every
// test runs on both state backends; savepoints are canonical, so one taken on the heap backend resumes
// on RocksDB and the other way round.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/fs/file_system.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

using KV = std::pair<int64_t, int64_t>;
constexpr int64_t kRecords = 30'000;

// The job of every run: the same operators with the same uids.
std::shared_ptr<CollectedResults<KV>> build(StreamExecutionEnvironment& env) {
  auto src = env.from_generator<int64_t>([](int64_t i) { return i; }, kRecords, 20'000);
  src.uid("numbers");
  auto pairs = src.map([](const int64_t& v) { return KV{v % 7, v}; });
  pairs.uid("to-pairs");
  auto sums = pairs.key_by([](const KV& kv) { return kv.first; }).sum<1>();
  sums.uid("sums");
  return sums.collect();
}

void merge_max(std::map<int64_t, int64_t>& into, const CollectedResults<KV>& r) {
  for (const auto& [k, s] : r.values()) into[k] = std::max(into[k], s);
}

class Savepoints : public testing::BackendOnlyFixture {};

//! Runs the job three times (parallelism 1, 4, 2), each run on backends[run], stopping the first two
//! with a savepoint that the next one resumes from; the final sums must be the uninterrupted ones.
void stop_resume_rescale(const std::vector<std::string>& backends) {
  TempDir dir;
  std::map<int64_t, int64_t> got;
  std::string savepoint;
  int parallelisms[] = {1, 4, 2};
  for (int run = 0; run < 3; ++run) {
    testing::state_backend_under_test() = backends[run];
    auto env = testing::environment();
    env->set_parallelism(parallelisms[run]);
    if (!savepoint.empty()) env->configure("execution.savepoint.path", savepoint);
    auto out = build(*env);
    auto client = env->execute_async("rescale run " + std::to_string(run));
    if (run < 2) {
      ASSERT_TRUE(testing::eventually([&] { return out->size() >= 4000; }));
      savepoint = client.stop_with_savepoint((dir.path / ("sp-" + std::to_string(run))).string()).get();
      ASSERT_TRUE(fs::exists(fs::path(savepoint) / "_metadata"));
    }
    client.get_job_execution_result();
    EXPECT_EQ(client.get_job_status(), JobStatus::kFinished);
    merge_max(got, *out);
  }
  testing::state_backend_under_test() = "hashmap";
  std::map<int64_t, int64_t> want;
  for (int64_t i = 0; i < kRecords; ++i) want[i % 7] += i;
  EXPECT_EQ(got, want);
}

TEST_P(Savepoints, StopResumeAndRescaleOneFourTwoGivesTheUninterruptedResult) {
  stop_resume_rescale({GetParam(), GetParam(), GetParam()});
}

TEST(SavepointsAcrossBackends, HeapSavepointResumesOnRocksDBAndBack) {
  stop_resume_rescale({"hashmap", "rocksdb", "hashmap"});
}

TEST(SavepointsAcrossBackends, RocksDBSavepointResumesOnHeapAndBack) {
  stop_resume_rescale({"rocksdb", "hashmap", "rocksdb"});
}

TEST_P(Savepoints, SavepointIsRelocatable) {
  TempDir dir;
  auto env = testing::environment();
  auto out = build(*env);
  auto client = env->execute_async("relocate");
  ASSERT_TRUE(testing::eventually([&] { return out->size() >= 2000; }));
  std::string sp = client.stop_with_savepoint((dir.path / "original").string()).get();
  client.get_job_execution_result();
  fs::path moved = dir.path / "moved";
  fs::rename(sp, moved);

  auto env2 = testing::environment();
  env2->set_parallelism(3);
  env2->configure("execution.savepoint.path", moved.string());
  auto out2 = build(*env2);
  env2->execute("from moved savepoint");
  std::map<int64_t, int64_t> got, want;
  merge_max(got, *out);
  merge_max(got, *out2);
  for (int64_t i = 0; i < kRecords; ++i) want[i % 7] += i;
  EXPECT_EQ(got, want);
}

TEST_P(Savepoints, StateWithoutAMatchingOperatorIsRefusedUnlessAllowed) {
  TempDir dir;
  auto env = testing::environment();
  auto out = build(*env);
  auto client = env->execute_async("source of state");
  ASSERT_TRUE(testing::eventually([&] { return out->size() >= 1000; }));
  std::string sp = client.stop_with_savepoint((dir.path / "sp").string()).get();
  client.get_job_execution_result();

  auto changed = [&](bool allow) {
    auto env2 = testing::environment();
    env2->configure("execution.savepoint.path", sp);
    if (allow) env2->configure("execution.savepoint.ignore-unclaimed-state", "true");
    auto src = env2->from_generator<int64_t>([](int64_t i) { return i; }, 100);
    src.uid("numbers");
    auto sums = src.map([](const int64_t& v) {
                     return KV{v % 7, v};
                   })
                    .key_by([](const KV& kv) { return kv.first; })
                    .sum<1>();
    sums.uid("renamed-sums");  // the old "sums" state has nowhere to go
    sums.collect();
    env2->execute("changed job");
  };
  try {
    changed(false);
    FAIL() << "the restore should have been refused";
  } catch (const JobExecutionError& e) {
    EXPECT_NE(std::string(e.what()).find("'sums'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ignore-unclaimed-state"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(changed(true));
}

TEST_P(Savepoints, CorruptSavepointIsAClearError) {
  TempDir dir;
  auto env = testing::environment();
  auto out = build(*env);
  auto client = env->execute_async("to corrupt");
  ASSERT_TRUE(testing::eventually([&] { return out->size() >= 1000; }));
  std::string sp = client.stop_with_savepoint((dir.path / "sp").string()).get();
  client.get_job_execution_result();
  // Flip a byte in a task state file.
  for (const auto& e : fs::directory_iterator(sp)) {
    if (e.path().filename() == "_metadata") continue;
    auto file = weir::fs::Path::parse(e.path().string());
    std::string bytes = weir::fs::get(file)->read(file);
    bytes[bytes.size() / 2] ^= 0x5a;
    weir::fs::get(file)->write_file(file, bytes);
    break;
  }
  auto env2 = testing::environment();
  env2->configure("execution.savepoint.path", sp);
  build(*env2);
  try {
    env2->execute("from corrupt");
    FAIL() << "a corrupt savepoint was accepted";
  } catch (const JobExecutionError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Savepoints, ::testing::ValuesIn(testing::kStateBackends),
                         testing::backend_only_name);

}  // namespace
}  // namespace weir
