// Watermarks per partition: the subtask's watermark is the minimum over its partitions, so a partition behind
// in event time holds it back; a partition without records becomes idle after the idleness timeout and stops
// holding it back.
#include "kafka/kafka_test_support.h"

namespace weir::kafka_test {
namespace {

// Produces to `partition` records with timestamps first_ts, first_ts + 10, ...
void produce_timed(const std::string& topic, int32_t partition, int count, int64_t first_ts) {
  kafka::KafkaProducer producer({{"bootstrap.servers", servers()}, {"enable.idempotence", "true"}});
  for (int i = 0; i < count; ++i) producer.produce(topic, partition, std::nullopt, "r", first_ts + 10 * i);
  producer.flush(30s);
}

TEST(KafkaWatermarks, ThePartitionBehindInEventTimeHoldsTheWatermark) {
  std::string topic = fresh_topic(2);
  produce_timed(topic, 0, 50, 100'000);  // up to 100'490
  produce_timed(topic, 1, 50, 20'000);   // up to 20'490: behind
  auto source = string_source(topic)
                    .set_watermark_strategy(WatermarkStrategy<std::string>::for_bounded_out_of_orderness(100))
                    .build();
  Subtask task(source, 0, 1);
  EXPECT_NE(task.read(100), InputStatus::kEndOfInput);
  ASSERT_FALSE(task.capture.watermarks.empty());
  EXPECT_EQ(task.capture.watermarks.back(), 20'490 - 100 - 1);
  EXPECT_TRUE(std::is_sorted(task.capture.watermarks.begin(), task.capture.watermarks.end()));
}

TEST(KafkaWatermarks, AnIdlePartitionStopsHoldingTheWatermarkBack) {
  std::string topic = fresh_topic(2);
  produce_timed(topic, 0, 30, 50'000);  // partition 1 stays empty
  auto source = string_source(topic)
                    .set_watermark_strategy(
                        WatermarkStrategy<std::string>::for_bounded_out_of_orderness(100).with_idleness(300))
                    .build();
  Subtask task(source, 0, 1);
  auto started = std::chrono::steady_clock::now();
  EXPECT_NE(task.read(30), InputStatus::kEndOfInput);
  // Until partition 1 has been quiet for 300 ms it holds the watermark at its minimum.
  if (std::chrono::steady_clock::now() - started < 250ms) {
    EXPECT_TRUE(task.capture.watermarks.empty());
  }
  auto deadline = std::chrono::steady_clock::now() + 10s;
  // Under load, partition 0 itself may pause long enough to be idle for a while; what must come is its last
  // watermark once partition 1 no longer holds it back.
  const Timestamp last = 50'290 - 100 - 1;
  while ((task.capture.watermarks.empty() || task.capture.watermarks.back() != last) &&
         std::chrono::steady_clock::now() < deadline) {
    // The task polls its source every few ms while nothing arrives; the source is unbounded.
    EXPECT_NE(task.read(0), InputStatus::kEndOfInput);
    std::this_thread::sleep_for(10ms);  // idleness is measured in processing time: nothing notifies it
  }
  ASSERT_FALSE(task.capture.watermarks.empty()) << "the idle partition held the watermark for 10 s";
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  EXPECT_EQ(task.capture.watermarks.back(), last);
  // Later, partition 0 goes quiet too: the whole subtask is idle.
  deadline = std::chrono::steady_clock::now() + 10s;
  while ((task.capture.idle_statuses.empty() || !task.capture.idle_statuses.back()) &&
         std::chrono::steady_clock::now() < deadline) {
    EXPECT_NE(task.read(0), InputStatus::kEndOfInput);
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_FALSE(task.capture.idle_statuses.empty());
  EXPECT_TRUE(task.capture.idle_statuses.back())
      << ::testing::PrintToString(task.capture.idle_statuses) << " wms "
      << ::testing::PrintToString(task.capture.watermarks);
}

TEST(KafkaWatermarks, ASubtaskWithoutPartitionsIsIdle) {
  std::string topic = fresh_topic(1);
  produce_timed(topic, 0, 5, 1'000);
  auto source = string_source(topic)
                    .set_watermark_strategy(WatermarkStrategy<std::string>::for_bounded_out_of_orderness(0))
                    .build();
  // One partition, two subtasks: one of them reads nothing, and must not hold the other's watermark back.
  int empty = kafka::partition_owner({topic, 0}, 2) == 0 ? 1 : 0;
  Subtask task(source, empty, 2);
  EXPECT_NE(task.read(0), InputStatus::kEndOfInput);
  EXPECT_TRUE(task.capture.values.empty());
  ASSERT_EQ(task.capture.idle_statuses.size(), 1u);
  EXPECT_TRUE(task.capture.idle_statuses[0]);
  EXPECT_TRUE(task.capture.watermarks.empty());
}

}  // namespace
}  // namespace weir::kafka_test
