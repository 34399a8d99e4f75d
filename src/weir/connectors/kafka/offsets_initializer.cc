#include "weir/connectors/kafka/offsets_initializer.h"

#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_error.h"

namespace weir::kafka {

std::map<TopicPartition, int64_t> OffsetsInitializer::resolve(KafkaConsumer& consumer,
                                                              const std::vector<TopicPartition>& partitions,
                                                              std::chrono::milliseconds timeout) const {
  std::map<TopicPartition, int64_t> out;
  auto earliest = [&](const TopicPartition& tp) { return consumer.watermark_offsets(tp, timeout).first; };
  auto latest = [&](const TopicPartition& tp) { return consumer.watermark_offsets(tp, timeout).second; };
  auto reset = [&](const TopicPartition& tp, const std::string& why) -> int64_t {
    switch (reset_) {
      case OffsetResetStrategy::kEarliest:
        return earliest(tp);
      case OffsetResetStrategy::kLatest:
        return latest(tp);
      case OffsetResetStrategy::kNone:
        break;
    }
    throw KafkaError(describe_partition(tp.topic, tp.partition) + " has no " + why + " on " +
                     consumer.client().where() +
                     " and the reset strategy is none (starting offsets: " + describe() + ")");
  };
  switch (kind_) {
    case Kind::kEarliest:
      for (const auto& tp : partitions) out[tp] = earliest(tp);
      break;
    case Kind::kLatest:
      for (const auto& tp : partitions) out[tp] = latest(tp);
      break;
    case Kind::kTimestamp:
      if (!partitions.empty()) out = consumer.offsets_for_time(partitions, timestamp_ms_, timeout);
      break;
    case Kind::kCommitted: {
      auto committed =
          partitions.empty() ? std::map<TopicPartition, int64_t>{} : consumer.committed(partitions, timeout);
      for (const auto& tp : partitions) {
        auto it = committed.find(tp);
        out[tp] = it != committed.end()
                      ? it->second
                      : reset(tp, "committed offset for group '" + consumer.group_id() + "'");
      }
      break;
    }
    case Kind::kSpecific:
      for (const auto& tp : partitions) {
        auto it = offsets_.find(tp);
        out[tp] = it != offsets_.end() ? it->second : reset(tp, "offset among the given offsets");
      }
      break;
  }
  return out;
}

std::string OffsetsInitializer::describe() const {
  auto reset_name = [&] {
    switch (reset_) {
      case OffsetResetStrategy::kEarliest:
        return "earliest";
      case OffsetResetStrategy::kLatest:
        return "latest";
      case OffsetResetStrategy::kNone:
        break;
    }
    return "none";
  };
  switch (kind_) {
    case Kind::kEarliest:
      return "earliest";
    case Kind::kLatest:
      return "latest";
    case Kind::kTimestamp:
      return "timestamp " + std::to_string(timestamp_ms_);
    case Kind::kCommitted:
      return std::string("committed (reset: ") + reset_name() + ")";
    case Kind::kSpecific:
      return std::string("specific offsets (missing: ") + reset_name() + ")";
  }
  return "?";
}

}  // namespace weir::kafka
