#pragma once
// A partition of a topic, the unit Kafka orders records in and the unit the source splits its work by.
#include <compare>
#include <cstdint>
#include <map>
#include <string>

namespace weir::kafka {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

//! librdkafka configuration properties ("bootstrap.servers", "isolation.level", ...), passed through as
//! given.
using KafkaProperties = std::map<std::string, std::string>;

}  // namespace weir::kafka
