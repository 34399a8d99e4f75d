#pragma once
// A record on its way to Kafka: topic, partition (or the producer's choice), key, value, timestamp. The
// exactly-once sink keeps the records of its open transaction in this form, in its checkpointed state.
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "weir/common/serializer.h"

namespace weir::kafka {

struct KafkaOutputRecord {
  std::string topic;
  int32_t partition = -1;  //!< < 0: the producer's partitioner chooses (by key)
  std::optional<std::string> key;
  std::string value;
  int64_t timestamp_ms = 0;  //!< 0: the time it is produced

  //! The form records take in checkpoints.
  using Encoded = std::tuple<std::string, int32_t, std::optional<std::string>, std::string, int64_t>;
  Encoded encode() const { return {topic, partition, key, value, timestamp_ms}; }
  static KafkaOutputRecord decode(const Encoded& e) {
    return {std::get<0>(e), std::get<1>(e), std::get<2>(e), std::get<3>(e), std::get<4>(e)};
  }
};

}  // namespace weir::kafka
