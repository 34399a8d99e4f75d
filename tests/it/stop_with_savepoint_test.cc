// Stop with a savepoint, with and without drain, on an event-time window job with an exactly-once
// file sink; and disposing of savepoints (and refusing to delete what is not one).
//
// The job: numbers 0..n-1 from one source subtask, event time 10 ms per number, a sum and count per
// key (n % 5) in tumbling 1 s windows, lines "key,start,count,sum" in part files. Its output is
// computed here with plain loops, for the whole input or for a prefix of it.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/fs/file_system.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::published_lines;
using testing::TempDir;

constexpr int64_t kKeys = 5;
constexpr int64_t kWindowMs = 1000;
constexpr int64_t kMsPerRecord = 10;

struct Count {
  int64_t count = 0;
  int64_t sum = 0;
};

class WindowLine final : public ProcessWindowFunction<int64_t, std::string, int64_t, TimeWindow> {
 public:
  void process(const int64_t& key, Context& ctx, const std::vector<int64_t>& elements,
               Collector<std::string>& out) override {
    int64_t sum = 0;
    for (int64_t v : elements) sum += v;
    out.collect(fmt::format("{},{},{},{}", key, ctx.window().start, elements.size(), sum));
  }
};

// Builds the job; `seen` counts records as they leave the source (to stop it part-way).
void build(StreamExecutionEnvironment& env, int64_t n, const fs::path& out,
           std::shared_ptr<std::atomic<int64_t>> seen) {
  auto src = env.from_generator<int64_t>([](int64_t i) { return i; }, n, 20'000);
  src.uid("numbers").set_parallelism(1);
  auto counted = src.map([seen](const int64_t& v) {
    seen->fetch_add(1, std::memory_order_relaxed);
    return v;
  });
  counted.uid("count").set_parallelism(1);
  auto stamped = counted.assign_timestamps_and_watermarks(
      WatermarkStrategy<int64_t>::for_monotonous_timestamps().with_timestamp_assigner(
          [](const int64_t& v, Timestamp) { return v * kMsPerRecord; }));
  stamped.uid("stamps").set_parallelism(1);
  auto windows = stamped.key_by([](const int64_t& v) { return v % kKeys; })
                     .window(TumblingEventTimeWindows::of(kWindowMs))
                     .process(WindowLine());
  windows.uid("windows");
  windows.write_as_text(out.string()).uid("files");
}

// The window lines of records 0..n-1.
std::multiset<std::string> reference(int64_t n) {
  std::map<std::pair<int64_t, int64_t>, Count> w;
  for (int64_t i = 0; i < n; ++i) {
    int64_t ts = i * kMsPerRecord;
    auto& c = w[{i % kKeys, ts - ts % kWindowMs}];
    ++c.count;
    c.sum += i;
  }
  std::multiset<std::string> lines;
  for (const auto& [k, c] : w) lines.insert(fmt::format("{},{},{},{}", k.first, k.second, c.count, c.sum));
  return lines;
}

int64_t records_in(const std::multiset<std::string>& lines) {
  int64_t n = 0;
  for (const auto& l : lines) {
    auto a = l.find(',', l.find(',') + 1);
    n += std::stoll(l.substr(a + 1, l.find(',', a + 1) - a - 1));
  }
  return n;
}

void enable_checkpoints(StreamExecutionEnvironment& env, const fs::path& dir) {
  env.set_parallelism(2);
  env.configure("execution.checkpointing.interval", "40 ms");
  env.configure("execution.checkpointing.dir", dir.string());
}

TEST(StopWithSavepoint, DrainFiresEveryWindowUpToTheStopAndFinishes) {
  const int64_t n = 400'000;  // 20 s of input at the source's pace: the stop comes long before the end
  TempDir ckpt, out, sp;
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  enable_checkpoints(*env, ckpt.path);
  build(*env, n, out.path, seen);
  auto client = env->execute_async("drain");
  ASSERT_TRUE(testing::eventually([&] { return seen->load() >= 3'000; }));
  std::string savepoint = client.stop_with_savepoint((sp.path / "drained").string(), true).get();
  client.get_job_execution_result();
  EXPECT_EQ(client.get_job_status(), JobStatus::kFinished);
  EXPECT_TRUE(fs::exists(fs::path(savepoint) / "_metadata"));

  // Every window of the records the source emitted fired, the last (partial) ones included.
  auto got = published_lines(out.path);
  int64_t emitted = records_in(got);
  EXPECT_GE(emitted, 3'000);
  EXPECT_LT(emitted, n) << "the source was not stopped";
  EXPECT_EQ(emitted, seen->load());
  EXPECT_TRUE(got == reference(emitted))
      << "drained output differs from the windows of records 0.." << emitted - 1;
}

TEST(StopWithSavepoint, WithoutDrainWindowsStayInTheSavepointAndResumeExactly) {
  const int64_t n = 60'000;
  TempDir ckpt, out, sp;
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  std::string savepoint;
  {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    enable_checkpoints(*env, ckpt.path);
    build(*env, n, out.path, seen);
    auto client = env->execute_async("stop");
    ASSERT_TRUE(testing::eventually([&] { return seen->load() >= 3'000; }));
    savepoint = client.stop_with_savepoint((sp.path / "kept").string(), false).get();
    client.get_job_execution_result();
    EXPECT_EQ(client.get_job_status(), JobStatus::kFinished);
  }
  int64_t first_run = records_in(published_lines(out.path));
  EXPECT_LT(first_run, n);
  {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    enable_checkpoints(*env, ckpt.path);
    env->configure("execution.savepoint.path", savepoint);
    build(*env, n, out.path, seen);
    env->execute("resume");
  }
  // The two runs together wrote exactly the output of one uninterrupted run: no window fired twice
  // (the open windows were not fired at the stop) and none was lost.
  auto got = published_lines(out.path);
  EXPECT_EQ(got.size(), reference(n).size());
  EXPECT_TRUE(got == reference(n)) << "stop + resume differs from an uninterrupted run";
}

TEST(StopWithSavepoint, DrainOfAJobThatIsNotRunningIsAClearError) {
  TempDir ckpt, out, sp;
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  enable_checkpoints(*env, ckpt.path);
  build(*env, 100, out.path, seen);
  auto client = env->execute_async("short");
  client.get_job_execution_result();
  try {
    client.stop_with_savepoint((sp.path / "late").string(), true).get();
    FAIL() << "a finished job was stopped";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("not running"), std::string::npos) << e.what();
  }
}

// ---- dispose ----

// A running job's savepoint (trigger_savepoint keeps the job running; it is canceled after).
std::string take_savepoint(const fs::path& ckpt, const fs::path& out, const fs::path& target) {
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  enable_checkpoints(*env, ckpt);
  build(*env, 400'000, out, seen);
  auto client = env->execute_async("to dispose");
  EXPECT_TRUE(testing::eventually([&] { return seen->load() >= 1'000; }));
  std::string sp = client.trigger_savepoint(target.string()).get();
  client.cancel();
  client.wait_for(std::chrono::seconds(30));
  return sp;
}

int files_in(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(DisposeSavepoint, DeletesEveryFileOfTheSavepointAndItsDirectory) {
  TempDir ckpt, out, sp;
  std::string path = take_savepoint(ckpt.path, out.path, sp.path / "one");
  int files = files_in(path);
  ASSERT_GE(files, 2);  // _metadata and at least one task state file
  auto d = dispose_savepoint(path);
  EXPECT_EQ(d.files, files);
  EXPECT_GT(d.bytes, 0u);
  EXPECT_TRUE(d.removed_dir);
  EXPECT_FALSE(fs::exists(path));
  // Gone means gone: a job can no longer start from it.
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->configure("execution.savepoint.path", path);
  build(*env, 10, out.path, std::make_shared<std::atomic<int64_t>>(0));
  EXPECT_THROW(env->execute("from a disposed savepoint"), JobExecutionError);
}

TEST(DisposeSavepoint, GivenItsMetadataFileAndKeepsFilesThatAreNotPartOfIt) {
  TempDir ckpt, out, sp;
  std::string path = take_savepoint(ckpt.path, out.path, sp.path / "two");
  std::ofstream(fs::path(path) / "notes.txt") << "mine\n";
  auto d = dispose_savepoint((fs::path(path) / "_metadata").string());
  EXPECT_FALSE(d.removed_dir);
  EXPECT_EQ(files_in(path), 1);
  EXPECT_TRUE(fs::exists(fs::path(path) / "notes.txt"));
}

// Expects dispose_savepoint(path) to refuse with a message containing `why`, deleting nothing.
void expect_refused(const fs::path& path, const std::string& why) {
  std::vector<fs::path> before;
  if (fs::is_directory(path))
    for (const auto& e : fs::recursive_directory_iterator(path)) before.push_back(e.path());
  try {
    dispose_savepoint(path.string());
    ADD_FAILURE() << "disposed of " << path;
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  for (const auto& f : before) EXPECT_TRUE(fs::exists(f)) << f << " was deleted";
}

TEST(DisposeSavepoint, RefusesPathsThatAreNotSavepoints) {
  TempDir dir, ckpt, out, sp;
  // A directory of someone's files.
  fs::create_directories(dir.path / "data" / "sub");
  std::ofstream(dir.path / "data" / "a.txt") << "a\n";
  std::ofstream(dir.path / "data" / "sub" / "b.txt") << "b\n";
  expect_refused(dir.path / "data", "no _metadata");
  expect_refused(dir.path / "data" / "a.txt", "not a savepoint");
  expect_refused(dir.path / "missing", "no such file or directory");
  // A _metadata that is not one (no checksum) is refused, not trusted.
  std::ofstream(dir.path / "data" / "_metadata") << "{\"tasks\": [{\"file\": \"a.txt\"}]}\n";
  expect_refused(dir.path / "data", "not a savepoint's");
  // A real savepoint whose metadata was tampered with to list a file outside it is refused too.
  std::string path = take_savepoint(ckpt.path, out.path, sp.path / "three");
  auto meta = weir::fs::Path::parse(path + "/_metadata");
  auto m = checkpoint::decode_metadata(weir::fs::get(meta)->read(meta), "x");
  m.tasks.at(0).file = "../../" + (dir.path / "data" / "a.txt").filename().string();
  weir::fs::get(meta)->write_file(meta, checkpoint::encode_metadata(m));
  expect_refused(path, "outside the directory");
}

TEST(DisposeSavepoint, RefusesACheckpointOfARunningJob) {
  TempDir ckpt, out;
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  enable_checkpoints(*env, ckpt.path);
  // Checkpoints every 40 ms would subsume (and delete) the one the test triggers before it is read.
  env->configure("execution.checkpointing.num-retained", "1000");
  build(*env, 400'000, out.path, seen);
  auto client = env->execute_async("checkpointed");
  ASSERT_TRUE(testing::eventually([&] { return seen->load() >= 1'000; }));
  std::string chk = client.trigger_checkpoint().get();
  expect_refused(chk, "not a savepoint");
  EXPECT_THROW(client.dispose_savepoint(chk), WeirError);
  client.cancel();
  client.wait_for(std::chrono::seconds(30));
}

}  // namespace
}  // namespace weir
