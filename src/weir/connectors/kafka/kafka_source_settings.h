#pragma once
// What a KafkaSource was built with, apart from its deserializer (kafka_source.h adds that): every subtask's
// reader gets a copy.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "weir/connectors/kafka/offsets_initializer.h"
#include "weir/connectors/kafka/topic_partition.h"

namespace weir::kafka {

struct KafkaSourceSettings {
  std::string bootstrap_servers;
  std::vector<std::string> topics;  //!< read these topics (each must exist) ...
  std::string topic_pattern;        //!< ... or every topic whose whole name matches this ECMAScript regex
  std::string group_id;  //!< offsets are committed to it on checkpoint completion (monitoring only)
  OffsetsInitializer starting_offsets = OffsetsInitializer::earliest();
  std::optional<OffsetsInitializer> stopping_offsets;  //!< set: bounded, ends once every partition reached it
  KafkaProperties properties;                          //!< passed through to librdkafka's consumer
  //! Bounds every request made while a subtask sets up its partitions (metadata, offset look-ups): an
  //! unreachable cluster fails the task after this long, naming the brokers.
  std::chrono::milliseconds client_timeout{30000};
  //! Records the deserializer rejects are dropped instead of failing the task.
  bool skip_undecodable = false;
  //! Unbounded only: how often each subtask looks for partitions added to its topics (and, with a pattern,
  //! topics created since); zero or less: never (Flink's partition.discovery.interval.ms, 5 minutes by
  //! default). New partitions are read from their earliest offset. Bounded sources never discover.
  std::chrono::milliseconds partition_discovery_interval{300000};
  bool discovers_partitions() const { return !stopping_offsets && partition_discovery_interval.count() > 0; }
  //! Watermarks per partition (partition_watermarks.h), from set_watermark_strategy; off: the source emits
  //! none.
  bool per_partition_watermarks = false;
  int64_t out_of_orderness_ms = 0;
  std::chrono::milliseconds idle_timeout{0};
};

}  // namespace weir::kafka
