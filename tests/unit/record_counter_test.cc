// Task metrics: a result partition counts each record once (a source's records out equal the records it
// produced, whatever the partitioner), and the TaskManager's Prometheus text carries the counters.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "weir/cluster/rest/task_manager_metrics.h"
#include "weir/network/partition_registry.h"
#include "weir/network/result_partition.h"
#include "weir/runtime/record_writer_output.h"

namespace weir {
namespace {

std::unique_ptr<network::ResultPartition> partition(network::PartitionRegistry& registry, int consumers,
                                                    std::atomic<bool>& canceled) {
  std::vector<std::shared_ptr<network::LocalChannel>> channels;
  for (int c = 0; c < consumers; ++c) channels.push_back(registry.channel({"job#0", 0, 0, c}));
  auto pool = std::make_shared<network::BufferPool>(4096, 64);
  return std::make_unique<network::ResultPartition>(std::move(pool), std::move(channels), &canceled);
}

TEST(RecordCounter, CountsEachRecordOnceWhateverThePartitioner) {
  for (auto kind : {runtime::PartitionerKind::kForward, runtime::PartitionerKind::kRebalance,
                    runtime::PartitionerKind::kBroadcast}) {
    network::PartitionRegistry registry;
    std::atomic<bool> canceled{false};
    auto p = partition(registry, kind == runtime::PartitionerKind::kForward ? 1 : 3, canceled);
    runtime::PartitionerSpec spec;
    spec.kind = kind;
    runtime::RecordWriterOutput<int64_t> out(p.get(), spec, 0, 128);
    for (int64_t i = 0; i < 1000; ++i) out.collect(i, i);
    out.emit_watermark(5);  // not a record
    EXPECT_EQ(p->records_written(), 1000) << static_cast<int>(kind);
  }
}

TEST(RecordCounter, TaskManagerMetricsText) {
  cluster::TaskMetrics t;
  t.job = "0123456789abcdef0123456789abcdef";
  t.vertex = "Source: \"words\"";
  t.subtask = 1;
  t.records_in = 7;
  t.records_out = 9;
  t.output_wait_ns = 1'500'000'000;
  t.restored_bytes = 4096;
  t.restored_bytes_local = 77;
  t.state = cluster::ExecutionState::kRunning;
  std::string text = cluster::rest::task_manager_metrics(4, 1, {t});
  const std::string labels =
      "job_id=\"0123456789abcdef0123456789abcdef\",task=\"Source: "
      "\\\"words\\\"\",subtask=\"1\",attempt=\"0\"";
  for (const std::string& line :
       {std::string("weir_taskmanager_slots 4\n"), std::string("weir_taskmanager_running_tasks 1\n"),
        "weir_taskmanager_task_records_in_total{" + labels + "} 7\n",
        "weir_taskmanager_task_records_out_total{" + labels + "} 9\n",
        "weir_taskmanager_task_backpressured_seconds_total{" + labels + "} 1.5\n",
        "weir_taskmanager_task_restored_bytes{" + labels + "} 4096\n",
        "weir_taskmanager_task_state{" + labels + ",state=\"RUNNING\"} 1\n",
        "weir_taskmanager_task_restored_local_bytes{" + labels + "} 77\n",
        std::string("# TYPE weir_taskmanager_task_records_out_total counter\n")})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

}  // namespace
}  // namespace weir
