// State many times larger than the RocksDB memory budget: a job writes ~300 MB of incompressible
// keyed state under a 32 MB per-slot budget, reads every value back and checks it, and the process's
// peak resident memory stays far below the state size. The same holds when that state goes through a
// full savepoint and is restored from it (streamed key group by key group, both ways).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/common/sanitizers.h"
#include "weir/weir.h"

namespace weir {
namespace {

constexpr int64_t kKeys = 300'000;
// Under ThreadSanitizer (scripts/tsan) the process's RSS also holds TSan's shadow of every byte the
// instrumented engine touches, so the memory bounds below do not apply there; the results are still checked.
constexpr bool kRssIsMeaningful = !kThreadSanitizer;
constexpr size_t kValueBytes = 1000;  // 300 MB of values

std::atomic<int64_t> g_verified{0};
std::atomic<int64_t> g_mismatched{0};

//! Incompressible, reproducible value of `key` (xorshift bytes), so RocksDB cannot shrink it.
std::string value_of(int64_t key) {
  std::string v(kValueBytes, '\0');
  uint64_t x = static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t i = 0; i < kValueBytes; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    for (size_t b = 0; b < 8 && i + b < kValueBytes; ++b) v[i + b] = static_cast<char>(x >> (8 * b));
  }
  return v;
}

//! First visit of a key stores its value; the second reads it back and checks it.
class StoreThenVerify final : public KeyedProcessFunction<int64_t, int64_t, int64_t> {
 public:
  void open(RuntimeContext& ctx) override { state_ = &ctx.get_state(ValueStateDescriptor<std::string>("v")); }
  void process_element(const int64_t& i, Context& ctx, Collector<int64_t>& out) override {
    int64_t key = ctx.get_current_key();
    if (i < kKeys) {
      state_->update(value_of(key));
      return;
    }
    auto v = state_->value();
    if (v && *v == value_of(key)) {
      ++g_verified;
    } else {
      ++g_mismatched;
    }
    if (key % 10'000 == 0) out.collect(key);
  }

 private:
  ValueState<std::string>* state_ = nullptr;
};

int64_t status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

TEST(RocksDBMemory, StateManyTimesTheBudgetCompletesWithinBoundedMemory) {
  g_verified = 0;  // both tests count into these (one process may run both)
  g_mismatched = 0;
  testing::state_backend_under_test() = "rocksdb";
  auto env = testing::environment();
  testing::state_backend_under_test() = "hashmap";
  env->set_parallelism(1);
  env->configure("state.backend.rocksdb.memory.fixed-per-slot", "32mb");
  auto src = env->from_generator<int64_t>([](int64_t i) { return i; }, 2 * kKeys);
  auto out = src.key_by([](const int64_t& i) { return i % kKeys; }).process(StoreThenVerify()).collect();
  int64_t before_kb = status_kb("VmRSS");
  env->execute("larger than memory");
  int64_t peak_kb = status_kb("VmHWM");
  EXPECT_EQ(g_mismatched.load(), 0);
  EXPECT_EQ(g_verified.load(), kKeys);
  EXPECT_EQ(out->size(), static_cast<size_t>(kKeys / 10'000));
  const int64_t state_kb = kKeys * static_cast<int64_t>(kValueBytes) / 1024;
  RecordProperty("rss_before_kb", std::to_string(before_kb));
  RecordProperty("rss_peak_kb", std::to_string(peak_kb));
  std::cout << "state " << state_kb / 1024 << " MB, budget 32 MB, RSS before " << before_kb / 1024
            << " MB, peak " << peak_kb / 1024 << " MB\n";
  // The budget plus what the engine needs besides RocksDB (buffers, allocator slack): well below the
  // state size.
  if (kRssIsMeaningful) {
    EXPECT_LT(peak_kb - before_kb, 32 * 1024 + 96 * 1024);
    EXPECT_LT(peak_kb, state_kb / 2);
  }
}

//! Stores each key's value once (records below kKeys), then does nothing: the state stays as written.
class StoreOnly final : public KeyedProcessFunction<int64_t, int64_t, int64_t> {
 public:
  void open(RuntimeContext& ctx) override { state_ = &ctx.get_state(ValueStateDescriptor<std::string>("v")); }
  void process_element(const int64_t& i, Context& ctx, Collector<int64_t>& out) override {
    if (i >= kKeys) return;
    state_->update(value_of(ctx.get_current_key()));
    out.collect(i);
  }

 private:
  ValueState<std::string>* state_ = nullptr;
};

//! Checks the value of each key (one record per key).
class VerifyOnly final : public KeyedProcessFunction<int64_t, int64_t, int64_t> {
 public:
  void open(RuntimeContext& ctx) override { state_ = &ctx.get_state(ValueStateDescriptor<std::string>("v")); }
  void process_element(const int64_t&, Context& ctx, Collector<int64_t>& out) override {
    auto v = state_->value();
    if (v && *v == value_of(ctx.get_current_key())) {
      ++g_verified;
    } else {
      ++g_mismatched;
    }
    out.collect(ctx.get_current_key());
  }

 private:
  ValueState<std::string>* state_ = nullptr;
};

std::unique_ptr<StreamExecutionEnvironment> budget_environment() {
  testing::state_backend_under_test() = "rocksdb";
  auto env = testing::environment();
  testing::state_backend_under_test() = "hashmap";
  env->set_parallelism(1);
  env->configure("state.backend.rocksdb.memory.fixed-per-slot", "32mb");
  return env;
}

TEST(RocksDBMemory, FullSavepointOfStateManyTimesTheBudgetTakesAndRestoresWithinBoundedMemory) {
  g_verified = 0;  // both tests count into these (one process may run both)
  g_mismatched = 0;
  testing::TempDir dir;
  int64_t before_kb = status_kb("VmRSS");
  std::string savepoint;
  {
    auto env = budget_environment();
    // Stores every key, then idles on records that change nothing until stopped with a savepoint.
    auto src = env->from_generator<int64_t>([](int64_t i) { return i; }, 1000 * kKeys, 200'000);
    src.uid("numbers");
    auto stored = src.key_by([](const int64_t& i) { return i % kKeys; }).process(StoreOnly());
    stored.uid("store");
    auto out = stored.collect();
    auto client = env->execute_async("store");
    ASSERT_TRUE(testing::eventually([&] { return out->size() >= static_cast<size_t>(kKeys); },
                                    std::chrono::seconds(120)));
    savepoint = client.stop_with_savepoint((dir.path / "sp").string()).get();
    client.get_job_execution_result();
  }
  uint64_t file_bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(savepoint)) file_bytes += e.file_size();
  ASSERT_GT(file_bytes, static_cast<uint64_t>(kKeys) * kValueBytes) << "the savepoint lacks the state";
  {
    auto env = budget_environment();
    env->configure("execution.savepoint.path", savepoint);
    // A new source (the stored one's position is left unclaimed): one record per key.
    env->configure("execution.savepoint.ignore-unclaimed-state", "true");
    auto src = env->from_generator<int64_t>([](int64_t i) { return i; }, kKeys);
    src.uid("verify-numbers");
    auto verified = src.key_by([](const int64_t& i) { return i % kKeys; }).process(VerifyOnly());
    verified.uid("store");
    auto out = verified.collect();
    env->execute("restore and verify");
    EXPECT_EQ(out->size(), static_cast<size_t>(kKeys));
  }
  EXPECT_EQ(g_mismatched.load(), 0);
  EXPECT_EQ(g_verified.load(), kKeys);
  int64_t peak_kb = status_kb("VmHWM");
  const int64_t state_kb = kKeys * static_cast<int64_t>(kValueBytes) / 1024;
  std::cout << "state " << state_kb / 1024 << " MB, savepoint " << file_bytes / (1 << 20)
            << " MB, budget 32 MB, RSS before " << before_kb / 1024 << " MB, peak " << peak_kb / 1024
            << " MB\n";
  if (kRssIsMeaningful) {
    EXPECT_LT(peak_kb - before_kb, 32 * 1024 + 96 * 1024);
    EXPECT_LT(peak_kb, state_kb / 2);
  }
}

}  // namespace
}  // namespace weir
