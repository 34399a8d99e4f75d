#pragma once
// Where a source starts reading a partition, or where a bounded source stops (Flink's OffsetsInitializer):
// the earliest or latest offset, the first record at or after a timestamp, the group's committed offset (with
// a strategy for partitions that have none), or offsets given per partition. Resolved to concrete offsets
// once, when a subtask first takes a partition; from then on the offsets live in the checkpoints.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "weir/connectors/kafka/topic_partition.h"

namespace weir::kafka {

class KafkaConsumer;

//! What to do for a partition without a committed offset (or not among specific offsets).
enum class OffsetResetStrategy { kEarliest, kLatest, kNone };

class OffsetsInitializer {
 public:
  static OffsetsInitializer earliest() { return OffsetsInitializer(Kind::kEarliest); }
  //! The end of each partition (under read_committed, the last stable offset) at the time it is resolved.
  static OffsetsInitializer latest() { return OffsetsInitializer(Kind::kLatest); }
  //! The first record whose timestamp is >= `timestamp_ms`, or the end when there is none.
  static OffsetsInitializer timestamp(int64_t timestamp_ms) {
    OffsetsInitializer o(Kind::kTimestamp);
    o.timestamp_ms_ = timestamp_ms;
    return o;
  }
  //! The consumer group's committed offsets; partitions without one follow `reset` (kNone: an error).
  static OffsetsInitializer committed_offsets(OffsetResetStrategy reset = OffsetResetStrategy::kNone) {
    OffsetsInitializer o(Kind::kCommitted);
    o.reset_ = reset;
    return o;
  }
  //! These offsets; partitions not listed follow `missing` (kNone: an error).
  static OffsetsInitializer offsets(std::map<TopicPartition, int64_t> offsets,
                                    OffsetResetStrategy missing = OffsetResetStrategy::kEarliest) {
    OffsetsInitializer o(Kind::kSpecific);
    o.offsets_ = std::move(offsets);
    o.reset_ = missing;
    return o;
  }

  //! Concrete offsets for `partitions`, asking the brokers through `consumer`. A KafkaError names the
  //! partition that has no offset under kNone, or the brokers that did not answer within `timeout`.
  std::map<TopicPartition, int64_t> resolve(KafkaConsumer& consumer,
                                            const std::vector<TopicPartition>& partitions,
                                            std::chrono::milliseconds timeout) const;
  //! "earliest", "committed (reset: none)", ... for messages.
  std::string describe() const;

 private:
  enum class Kind { kEarliest, kLatest, kTimestamp, kCommitted, kSpecific };
  explicit OffsetsInitializer(Kind kind) : kind_(kind) {}
  Kind kind_;
  int64_t timestamp_ms_ = 0;
  OffsetResetStrategy reset_ = OffsetResetStrategy::kNone;
  std::map<TopicPartition, int64_t> offsets_;
};

}  // namespace weir::kafka
