// Backpressure: a fast source feeding a slow sink loses and duplicates nothing, uses no more network
// buffers than the pools allow, and is held back by the sink instead of running ahead.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "weir/network/buffer_pool.h"
#include "weir/weir.h"

namespace weir {
namespace {

using network::BufferPool;

class Backpressure : public ::testing::TestWithParam<int> {};

TEST_P(Backpressure, SlowSinkThrottlesSourceWithBoundedBuffers) {
  const int p = GetParam();
  const int64_t n = 30000;
  const int64_t segment = 4096;
  const int per_channel = 2, floating = 4;
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(p);
  env->configure("taskmanager.memory.segment-size", std::to_string(segment));
  env->configure("taskmanager.network.memory.buffers-per-channel", std::to_string(per_channel));
  env->configure("taskmanager.network.memory.floating-buffers-per-gate", std::to_string(floating));

  auto produced = std::make_shared<std::atomic<int64_t>>(0);
  auto consumed = std::make_shared<std::atomic<int64_t>>(0);
  auto max_lag = std::make_shared<std::atomic<int64_t>>(0);
  auto seen = std::make_shared<std::vector<std::atomic<int>>>(n);

  // Source (parallelism 1, chained with the counting map) -> rebalance -> p slow sinks.
  env->from_source<int64_t>(
         [n] {
           return std::make_unique<connectors::DataGenReader<int64_t>>([](int64_t i) { return i; }, n, 0);
         },
         "Fast Source", 1)
      .map(
          [produced](const int64_t& v) {
            produced->fetch_add(1);
            return v;
          },
          "Count Produced")
      .set_parallelism(1)
      .rebalance()
      .add_sink(
          [consumed, produced, max_lag, seen](const int64_t& v) {
            int64_t c = consumed->fetch_add(1) + 1;
            int64_t lag = produced->load() - c;
            int64_t m = max_lag->load();
            while (lag > m && !max_lag->compare_exchange_weak(m, lag)) {
            }
            (*seen)[v].fetch_add(1);
            std::this_thread::sleep_for(std::chrono::microseconds(10));
          },
          "Slow Sink");

  BufferPool::reset_global_peak();
  const int64_t in_use_before = BufferPool::global_stats().in_use;
  env->execute("backpressure");

  // Nothing lost, nothing duplicated.
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ((*seen)[i].load(), 1) << "record " << i;
  EXPECT_EQ(consumed->load(), n);

  // Memory bound, from the configuration: the only network edge is one partition of p channels.
  const int64_t pool_bound = per_channel * p + floating;
  const auto stats = BufferPool::global_stats();
  EXPECT_LE(stats.peak_in_use - in_use_before, pool_bound);
  EXPECT_GT(stats.peak_in_use - in_use_before, 0);

  // The source was held back: everything it produced and the sinks had not consumed sat in those
  // buffers. A record takes 21 bytes on the wire (frame header, kind, timestamp, value).
  const int64_t records_per_buffer = segment / 21 + 1;
  EXPECT_LE(max_lag->load(), (pool_bound + 1) * records_per_buffer);
  EXPECT_LT((pool_bound + 1) * records_per_buffer, n / 2) << "the test needs a lag bound well below n";
}

INSTANTIATE_TEST_SUITE_P(Parallelism, Backpressure, ::testing::Values(1, 4));

}  // namespace
}  // namespace weir
