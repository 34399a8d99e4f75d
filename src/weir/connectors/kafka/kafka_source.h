#pragma once
// KafkaSource: Flink's Kafka source contract on librdkafka. Partitions are the splits, spread over the
// source's subtasks; offsets live in checkpoints (committed to the group once a checkpoint completes, for
// monitoring only); Kafka record timestamps are the event time.
//
//   auto source = KafkaSource<Order>::builder()
//                     .set_bootstrap_servers("127.0.0.1:9092")
//                     .set_topics({"orders"})
//                     .set_group_id("order-totals")
//                     .set_starting_offsets(OffsetsInitializer::committed_offsets(OffsetResetStrategy::kEarliest))
//                     .set_deserializer(KafkaDeserializers::json<Order>())
//                     .build();
//   env->from_source<Order>(source.reader_factory(), "orders");
#include <charconv>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "weir/connectors/kafka/kafka_source_reader.h"

namespace weir::kafka {

template <typename T>
class KafkaSourceBuilder;

template <typename T>
class KafkaSource {
 public:
  static KafkaSourceBuilder<T> builder() { return {}; }

  //! One reader per subtask, for StreamExecutionEnvironment::from_source.
  SourceReaderFactory<T> reader_factory() const {
    return [settings = settings_, deserializer = deserializer_, assigner = assigner_] {
      return std::make_unique<KafkaSourceReader<T>>(settings, deserializer, assigner);
    };
  }
  const KafkaSourceSettings& settings() const { return settings_; }

 private:
  friend class KafkaSourceBuilder<T>;
  KafkaSource(KafkaSourceSettings settings, KafkaRecordDeserializer<T> deserializer,
              typename KafkaSourceReader<T>::TimestampAssigner assigner)
      : settings_(std::move(settings)),
        deserializer_(std::move(deserializer)),
        assigner_(std::move(assigner)) {}
  KafkaSourceSettings settings_;
  KafkaRecordDeserializer<T> deserializer_;
  typename KafkaSourceReader<T>::TimestampAssigner assigner_;
};

//! Setters called on a temporary builder (`KafkaSource<T>::builder().set_...()`) return it by
//! value, so a reference to the temporary cannot be kept by mistake; on a variable they return a reference.
template <typename T>
class KafkaSourceBuilder {
 public:
  //! "host:port[,host:port...]": where the client starts to learn the cluster.
  KafkaSourceBuilder& set_bootstrap_servers(std::string servers) & {
    s_.bootstrap_servers = std::move(servers);
    return *this;
  }
  KafkaSourceBuilder set_bootstrap_servers(std::string servers) && {
    return std::move(set_bootstrap_servers(std::move(servers)));
  }
  KafkaSourceBuilder& set_topics(std::vector<std::string> topics) & {
    s_.topics = std::move(topics);
    return *this;
  }
  KafkaSourceBuilder set_topics(std::vector<std::string> topics) && {
    return std::move(set_topics(std::move(topics)));
  }
  //! Every topic whose whole name matches `regex` (ECMAScript syntax) when a subtask starts fresh.
  KafkaSourceBuilder& set_topic_pattern(std::string regex) & {
    s_.topic_pattern = std::move(regex);
    return *this;
  }
  KafkaSourceBuilder set_topic_pattern(std::string regex) && {
    return std::move(set_topic_pattern(std::move(regex)));
  }
  KafkaSourceBuilder& set_group_id(std::string group_id) & {
    s_.group_id = std::move(group_id);
    return *this;
  }
  KafkaSourceBuilder set_group_id(std::string group_id) && {
    return std::move(set_group_id(std::move(group_id)));
  }
  //! Default: earliest.
  KafkaSourceBuilder& set_starting_offsets(OffsetsInitializer offsets) & {
    s_.starting_offsets = std::move(offsets);
    return *this;
  }
  KafkaSourceBuilder set_starting_offsets(OffsetsInitializer offsets) && {
    return std::move(set_starting_offsets(std::move(offsets)));
  }
  //! Bounded: each partition is read up to (excluding) these offsets, resolved when the job starts; the
  //! source ends once all are reached.
  KafkaSourceBuilder& set_bounded(OffsetsInitializer stopping_offsets) & {
    s_.stopping_offsets = std::move(stopping_offsets);
    return *this;
  }
  KafkaSourceBuilder set_bounded(OffsetsInitializer stopping_offsets) && {
    return std::move(set_bounded(std::move(stopping_offsets)));
  }
  //! Unbounded (the default): reads until the job is stopped.
  KafkaSourceBuilder& set_unbounded() & {
    s_.stopping_offsets.reset();
    return *this;
  }
  KafkaSourceBuilder set_unbounded() && { return std::move(set_unbounded()); }
  KafkaSourceBuilder& set_deserializer(KafkaRecordDeserializer<T> deserializer) & {
    deserializer_ = std::move(deserializer);
    return *this;
  }
  KafkaSourceBuilder set_deserializer(KafkaRecordDeserializer<T> deserializer) && {
    return std::move(set_deserializer(std::move(deserializer)));
  }
  //! A librdkafka consumer property, passed through (e.g. "isolation.level", "fetch.max.bytes"), or one of
  //! the source's own (Flink's KafkaSourceOptions): "partition.discovery.interval.ms".
  KafkaSourceBuilder& set_property(const std::string& key, std::string value) & {
    if (key == kDiscoveryIntervalKey) {
      discovery_interval_text_ = std::move(value);
      return *this;
    }
    s_.properties[key] = std::move(value);
    return *this;
  }
  KafkaSourceBuilder set_property(const std::string& key, std::string value) && {
    return std::move(set_property(key, std::move(value)));
  }
  //! Unbounded: how often each subtask looks for new partitions of its topics and new topics matching its
  //! pattern (default 5 minutes; zero disables). New partitions are read from their earliest offset and are
  //! part of checkpoints like the others. Bounded sources never discover.
  KafkaSourceBuilder& set_partition_discovery_interval(std::chrono::milliseconds interval) & {
    discovery_interval_text_.reset();
    s_.partition_discovery_interval = interval;
    return *this;
  }
  KafkaSourceBuilder set_partition_discovery_interval(std::chrono::milliseconds interval) && {
    return std::move(set_partition_discovery_interval(interval));
  }
  //! How long setting up a subtask's partitions may wait for the brokers (default 30 s).
  KafkaSourceBuilder& set_client_timeout(std::chrono::milliseconds timeout) & {
    s_.client_timeout = timeout;
    return *this;
  }
  KafkaSourceBuilder set_client_timeout(std::chrono::milliseconds timeout) && {
    return std::move(set_client_timeout(timeout));
  }
  //! Drop records the deserializer rejects instead of failing (default: fail, naming partition and offset).
  KafkaSourceBuilder& set_skip_undecodable(bool skip) & {
    s_.skip_undecodable = skip;
    return *this;
  }
  KafkaSourceBuilder set_skip_undecodable(bool skip) && { return std::move(set_skip_undecodable(skip)); }

  //! Watermarks per partition (Flink's per-partition watermarks): `strategy` is a WatermarkStrategy<T>
  //! (api/watermark_strategy.h): its out-of-orderness bound, idleness and timestamp assigner (default: the
  //! Kafka record timestamp) apply to each partition; the subtask's watermark is the minimum over its
  //! partitions that are not idle. Without one the source emits no watermarks (assign them downstream if
  //! needed).
  template <typename Strategy>
  KafkaSourceBuilder& set_watermark_strategy(const Strategy& strategy) & {
    s_.per_partition_watermarks = strategy.emits_watermarks;
    s_.out_of_orderness_ms = strategy.out_of_orderness_ms;
    s_.idle_timeout = std::chrono::milliseconds(strategy.idle_timeout_ms);
    assigner_ = strategy.assigner;
    return *this;
  }
  template <typename Strategy>
  KafkaSourceBuilder set_watermark_strategy(const Strategy& strategy) && {
    return std::move(set_watermark_strategy(strategy));
  }

  //! A KafkaError names what is missing or contradictory.
  KafkaSource<T> build() const {
    if (s_.bootstrap_servers.empty())
      throw KafkaError("KafkaSource: no bootstrap servers (set_bootstrap_servers)");
    if (s_.topics.empty() == s_.topic_pattern.empty())
      throw KafkaError("KafkaSource: give either topics (set_topics) or a topic pattern (set_topic_pattern)");
    if (!s_.topic_pattern.empty()) {
      try {
        std::regex check(s_.topic_pattern);
      } catch (const std::regex_error& e) {
        throw KafkaError("KafkaSource: the topic pattern '" + s_.topic_pattern +
                         "' is not a regex: " + e.what());
      }
    }
    if (!deserializer_) throw KafkaError("KafkaSource: no deserializer (set_deserializer)");
    if (s_.client_timeout.count() <= 0) throw KafkaError("KafkaSource: the client timeout must be positive");
    KafkaSourceSettings settings = s_;
    if (discovery_interval_text_) {
      const std::string& text = *discovery_interval_text_;
      int64_t ms = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        throw KafkaError(std::string("KafkaSource: property '") + kDiscoveryIntervalKey + "' = '" + text +
                         "' is not a whole number of milliseconds");
      settings.partition_discovery_interval = std::chrono::milliseconds(ms);
    }
    return KafkaSource<T>(std::move(settings), deserializer_, assigner_);
  }

 private:
  static constexpr const char* kDiscoveryIntervalKey = "partition.discovery.interval.ms";
  KafkaSourceSettings s_;
  std::optional<std::string> discovery_interval_text_;
  KafkaRecordDeserializer<T> deserializer_;
  typename KafkaSourceReader<T>::TimestampAssigner assigner_;
};

}  // namespace weir::kafka
