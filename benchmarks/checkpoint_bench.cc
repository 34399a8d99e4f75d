// Checkpoint and recovery benchmarks on the embedded MiniCluster:
//   checkpoint_bench recovery [runs] [keys]   time from a task failure to the first record processed
//                                             by the restored job (keyed state of `keys` keys)
//   checkpoint_bench backpressure [ckpts]     checkpoint duration under heavy backpressure, aligned vs
//                                             unaligned vs aligned with aligned-checkpoint-timeout
// Throughput with and without checkpoints is measured with `weir nexmark` (see BENCHMARKS.md).
// Not a test: run by hand and record results in BENCHMARKS.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "weir/weir.h"

namespace {

using namespace weir;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

fs::path fresh_dir(const std::string& what) {
  auto p = fs::temp_directory_path() / ("weir-bench-" + what + "-" + std::to_string(now_us()));
  fs::create_directories(p);
  return p;
}

// ---- recovery ----

std::atomic<int64_t> g_failed_at{0};
std::atomic<int64_t> g_resumed_at{0};

//! In the first attempt, once a checkpoint completed and `after` records were seen, notes the time and
//! throws. In a later attempt, notes the time of its first record.
class FailOnce : public MapFunction<int64_t, int64_t>, public CheckpointListener {
 public:
  explicit FailOnce(int64_t after) : after_(after) {}
  void open(RuntimeContext& ctx) override { attempt_ = ctx.get_attempt_number(); }
  void notify_checkpoint_complete(int64_t) override { checkpointed_ = true; }
  int64_t map(const int64_t& v) override {
    if (attempt_ > 0) {
      int64_t zero = 0;
      g_resumed_at.compare_exchange_strong(zero, now_us());
    } else if (checkpointed_ && ++seen_ > after_ && g_failed_at.load() == 0) {
      int64_t zero = 0;
      if (g_failed_at.compare_exchange_strong(zero, now_us())) throw std::runtime_error("injected failure");
    }
    return v;
  }

 private:
  int64_t after_;
  int attempt_ = 0;
  bool checkpointed_ = false;
  int64_t seen_ = 0;
};

double recovery_once(int64_t keys) {
  g_failed_at = 0;
  g_resumed_at = 0;
  auto dir = fresh_dir("recovery");
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  env->configure("execution.checkpointing.interval", "100 ms");
  env->configure("execution.checkpointing.dir", dir.string());
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "3");
  env->configure("restart-strategy.fixed-delay.delay", "0 ms");
  env->from_generator<int64_t>([keys](int64_t i) { return i % keys; }, 4'000'000, 1'000'000)
      .map(FailOnce(keys), "Fail Once")
      .key_by([](const int64_t& v) { return v; })
      .reduce([](const int64_t& a, const int64_t& b) { return a + b; })
      .filter([](const int64_t&) { return false; })
      .collect();
  env->execute("recovery benchmark");
  fs::remove_all(dir);
  return static_cast<double>(g_resumed_at.load() - g_failed_at.load()) / 1000.0;
}

int recovery(int runs, int64_t keys) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    ms.push_back(recovery_once(keys));
    std::printf("run %d: %.1f ms from the failure to the first record of the restored job\n", i + 1,
                ms.back());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("recovery keys=%lld runs=%d min=%.1fms median=%.1fms max=%.1fms\n",
              static_cast<long long>(keys), runs, ms.front(), ms[ms.size() / 2], ms.back());
  return 0;
}

// ---- checkpoints under backpressure ----

class SlowMap : public MapFunction<int64_t, int64_t> {
 public:
  int64_t map(const int64_t& v) override {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    return v;
  }
};

void backpressure_mode(const std::string& label, bool unaligned, const std::string& aligned_timeout,
                       int checkpoints) {
  auto dir = fresh_dir("backpressure");
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->configure("execution.checkpointing.interval", "500 ms");
  env->configure("execution.checkpointing.dir", dir.string());
  env->configure("execution.checkpointing.timeout", "10 min");
  env->configure("execution.checkpointing.unaligned.enabled", unaligned ? "true" : "false");
  env->configure("execution.checkpointing.aligned-checkpoint-timeout", aligned_timeout);
  env->from_generator<int64_t>([](int64_t i) { return i; }, 1'000'000'000)
      .set_parallelism(2)
      .rebalance()
      .map(SlowMap(), "Slow Map")
      .set_parallelism(1)
      .filter([](const int64_t&) { return false; })
      .collect();
  auto client = env->execute_async("backpressure benchmark");
  auto start = Clock::now();
  while (client.job_master().checkpoint_stats().completed < checkpoints &&
         Clock::now() - start < std::chrono::minutes(3))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto s = client.job_master().checkpoint_stats();
  client.cancel();
  try {
    client.get_job_execution_result();
  } catch (const JobCanceledError&) {
  }
  fs::remove_all(dir);
  const double n = static_cast<double>(std::max<int64_t>(s.completed, 1));
  std::printf(
      "%-28s completed=%lld avg_checkpoint_ms=%.0f avg_sync_ms=%.1f avg_async_ms=%.1f avg_alignment_ms=%.0f "
      "unaligned=%lld in_flight_kb_per_checkpoint=%.0f\n",
      label.c_str(), static_cast<long long>(s.completed), s.sum_duration_ms / n, s.sum_sync_ms / n,
      s.sum_async_ms / n, s.sum_alignment_ms / n, static_cast<long long>(s.completed_unaligned),
      static_cast<double>(s.in_flight_bytes) / n / 1024.0);
}

int backpressure(int checkpoints) {
  backpressure_mode("aligned", false, "0 ms", checkpoints);
  backpressure_mode("unaligned", true, "0 ms", checkpoints);
  backpressure_mode("aligned, timeout 200 ms", true, "200 ms", checkpoints);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "recovery")
      return recovery(argc > 2 ? std::atoi(argv[2]) : 5, argc > 3 ? std::atoll(argv[3]) : 10'000);
    if (cmd == "backpressure") return backpressure(argc > 2 ? std::atoi(argv[2]) : 3);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: checkpoint_bench recovery [runs] [keys] | backpressure [checkpoints]\n");
  return 2;
}
