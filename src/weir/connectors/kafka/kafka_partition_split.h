#pragma once
// A source split: one partition, the next offset to read and, when bounded, the offset to stop before. It is
// what a source subtask checkpoints per partition and what moves between subtasks on rescale.
#include <cstdint>
#include <limits>
#include <string>

#include "weir/common/serializer.h"
#include "weir/connectors/kafka/topic_partition.h"

namespace weir::kafka {

struct KafkaPartitionSplit {
  static constexpr int64_t kNoStop = std::numeric_limits<int64_t>::max();
  //! next_offset of a partition that is read from its earliest offset and has delivered nothing yet
  //! (librdkafka's RD_KAFKA_OFFSET_BEGINNING): partitions found by discovery start so.
  static constexpr int64_t kEarliest = -2;

  TopicPartition partition;
  int64_t next_offset = 0;
  int64_t stop_offset = kNoStop;  //!< exclusive; kNoStop: unbounded

  bool finished() const { return next_offset >= stop_offset; }

  std::string encode() const {
    return serialize_to_string(std::tuple<std::string, int32_t, int64_t, int64_t>{
        partition.topic, partition.partition, next_offset, stop_offset});
  }
  static KafkaPartitionSplit decode(const std::string& bytes) {
    auto [topic, p, next, stop] =
        deserialize_from_string<std::tuple<std::string, int32_t, int64_t, int64_t>>(bytes);
    return KafkaPartitionSplit{{topic, p}, next, stop};
  }
};

}  // namespace weir::kafka
