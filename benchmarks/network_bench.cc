// Data-plane throughput: records/s and GB/s from producer threads writing framed records into result
// partitions to consumer threads reading them through input gates, over local channels (one process,
// the MiniCluster's path) and over two DataPlanes on loopback (the path between TaskManagers: socket,
// credit-based flow control, receive buffers). Not a test: run it by hand and record results in
// BENCHMARKS.md.
//   build/release/benchmarks/network_bench [records per channel] [record bytes] [channels] [credit]
// `credit` is the remote channel's exclusive receive buffers
// (taskmanager.network.memory.buffers-per-channel).
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "weir/network/buffer_pool.h"
#include "weir/network/data_plane.h"
#include "weir/network/input_gate.h"
#include "weir/network/partition_registry.h"
#include "weir/network/result_partition.h"
#include "weir/network/task_wakeup.h"

namespace {

using namespace weir::network;

constexpr uint32_t kSegment = 32 * 1024;  // taskmanager.memory.segment-size default
constexpr uint32_t kPerChannel = 2;       // taskmanager.network.memory.buffers-per-channel default
constexpr uint32_t kFloating = 8;         // taskmanager.network.memory.floating-buffers-per-gate default

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Writes `n` records of `bytes` bytes, then the end of partition, as a task's output would.
void produce(std::shared_ptr<LocalChannel> channel, int64_t n, const std::string& record) {
  std::atomic<bool> canceled{false};
  auto pool = std::make_shared<BufferPool>(kSegment, kPerChannel + kFloating);
  ResultPartition out(pool, {std::move(channel)}, &canceled);
  for (int64_t i = 0; i < n; ++i) out.write(0, ElementKind::kRecord, record);
  out.finish();
}

// Reads until `expected` bytes (every frame, the end of partition included) came through the gate.
void consume(std::shared_ptr<LocalChannel> channel, int64_t expected) {
  TaskWakeup wakeup;
  InputGate gate(0, {std::move(channel)}, &wakeup);
  int64_t got = 0;
  while (got < expected) {
    auto next = gate.poll();
    if (!next.buffer) {
      wakeup.wait_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(10));
      continue;
    }
    got += next.buffer->size;
  }
}

// `channels` producer/consumer pairs at once; `input(id)` gives the consumer's channel of `id`.
template <typename Input>
void run(const char* path, PartitionRegistry& producers, Input input, int channels, int64_t n, uint32_t bytes,
         uint32_t credit) {
  const std::string record(bytes, 'x');
  const int64_t frame = 4 + 1 + bytes;
  const int64_t expected = n * frame + 5;
  std::vector<std::shared_ptr<LocalChannel>> ins;
  for (int c = 0; c < channels; ++c) ins.push_back(input(ChannelId{"bench#0", 1, c, c}));
  double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < channels; ++c) {
    threads.emplace_back(consume, ins[c], expected);
    threads.emplace_back(produce, producers.channel(ChannelId{"bench#0", 1, c, c}), n, std::cref(record));
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cores = (cpu_seconds() - c0) / secs;
  double records = static_cast<double>(n) * channels;
  std::printf(
      "%-6s channels=%d credit=%u record_bytes=%u records=%.0f seconds=%.3f records_per_s=%.0f GB_per_s=%.3f "
      "cores=%.1f\n",
      path, channels, credit, bytes, records, secs, records / secs, records * frame / secs / 1e9, cores);
  producers.release_job("bench");
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::stoll(argv[1]) : 20'000'000;
  const uint32_t bytes = argc > 2 ? static_cast<uint32_t>(std::stoul(argv[2])) : 100;
  const int channels = argc > 3 ? std::stoi(argv[3]) : 1;
  const uint32_t credit = argc > 4 ? static_cast<uint32_t>(std::stoul(argv[4])) : kPerChannel;
  {
    PartitionRegistry registry;
    run(
        "local", registry, [&](const ChannelId& id) { return registry.channel(id); }, channels, n, bytes, 0);
  }
  {
    auto producer_side = std::make_shared<PartitionRegistry>();
    DataPlane producer(producer_side);
    DataPlane consumer(std::make_shared<PartitionRegistry>());
    run(
        "tcp", *producer_side,
        [&](const ChannelId& id) {
          return consumer.remote_input(id, producer.address(), RemoteInputOptions{credit, kSegment});
        },
        channels, n, bytes, credit);
  }
  return 0;
}
