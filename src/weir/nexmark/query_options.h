#pragma once
// How a Nexmark query runs: where events come from (the generator, or a Kafka topic `weir nexmark-gen`
// filled), the generator's config, source pacing and where rows go.
#include <memory>
#include <string>
#include <string_view>

#include "weir/connectors/collect_sink.h"
#include "weir/connectors/nexmark/generator_config.h"
#include "weir/connectors/nexmark/nexmark_source.h"

namespace weir::nexmark {

//! Where a query's events come from: the generator, in the job's own source subtasks, or a Kafka topic of
//! JSON events (event_json.h), read up to its end offsets at the start (bounded).
struct SourceSpec {
  enum class Kind { kGenerator, kKafka };
  Kind kind = Kind::kGenerator;
  std::string topic;  //!< kKafka

  static SourceSpec generator() { return {}; }
  static SourceSpec kafka(std::string topic) { return {Kind::kKafka, std::move(topic)}; }
  //! "generator" or "kafka:TOPIC"; throws ConfigError naming the bad value.
  static SourceSpec parse(std::string_view spec) {
    if (spec == "generator") return generator();
    if (spec.starts_with("kafka:") && spec.size() > 6) return kafka(std::string(spec.substr(6)));
    throw ConfigError("bad source '" + std::string(spec) + "': expected generator or kafka:TOPIC");
  }
};

//! Flink's DeliveryGuarantee for a Kafka sink (KafkaSink in connectors/kafka).
enum class DeliveryGuarantee { kNone, kAtLeastOnce, kExactlyOnce };

//! "none", "at-least-once" or "exactly-once"; throws ConfigError naming the bad value.
inline DeliveryGuarantee parse_delivery_guarantee(std::string_view text) {
  if (text == "none") return DeliveryGuarantee::kNone;
  if (text == "at-least-once") return DeliveryGuarantee::kAtLeastOnce;
  if (text == "exactly-once") return DeliveryGuarantee::kExactlyOnce;
  throw ConfigError("bad delivery guarantee '" + std::string(text) +
                    "': expected exactly-once, at-least-once or none");
}

//! The Kafka cluster of a kafka: source or sink, and how the sink writes.
struct KafkaOptions {
  std::string bootstrap_servers;
  DeliveryGuarantee delivery_guarantee = DeliveryGuarantee::kNone;
  //! kExactlyOnce: the transactional ids' prefix; empty: "weir-nexmark-<query>-<topic>".
  std::string transactional_id_prefix;
  //! Bounds the connector's broker requests (0: the connector's default, 30 s).
  int64_t client_timeout_ms = 0;
};

//! Where a query's rows go: nowhere (blackhole), JSON lines in part files of a directory, JSON lines in
//! memory (tests), or one JSON object per record into a Kafka topic.
struct SinkSpec {
  enum class Kind { kBlackhole, kDirectory, kMemory, kKafka };
  Kind kind = Kind::kBlackhole;
  std::string dir;  //!< kDirectory: the directory; kKafka: the topic
  std::shared_ptr<CollectedResults<std::string>> lines;

  static SinkSpec blackhole() { return {}; }
  static SinkSpec directory(std::string dir) { return {Kind::kDirectory, std::move(dir), nullptr}; }
  static SinkSpec memory(std::shared_ptr<CollectedResults<std::string>> lines) {
    return {Kind::kMemory, {}, std::move(lines)};
  }
  static SinkSpec kafka(std::string topic) { return {Kind::kKafka, std::move(topic), nullptr}; }
  //! "blackhole", "file:PATH" or "kafka:TOPIC"; throws ConfigError naming the bad value.
  static SinkSpec parse(std::string_view spec) {
    if (spec == "blackhole") return blackhole();
    if (spec.starts_with("file:") && spec.size() > 5) return directory(std::string(spec.substr(5)));
    if (spec.starts_with("kafka:") && spec.size() > 6) return kafka(std::string(spec.substr(6)));
    throw ConfigError("bad sink '" + std::string(spec) + "': expected blackhole, file:PATH or kafka:TOPIC");
  }
};

struct QueryOptions {
  SourceSpec source;
  //! The generator's events; with a Kafka source only out_of_orderness_ms (the watermarks' bound, as when
  //! the topic was filled) and events (the expected count, for failure injection) matter.
  connectors::nexmark::GeneratorConfig generator;
  //! Source pacing in events per wall-clock second over all subtasks; 0: flat out.
  double tps = 0;
  SinkSpec sink;
  //! The brokers of a Kafka source or sink, and the sink's delivery guarantee.
  KafkaOptions kafka;
  //! q13's side input: a CSV file of key,value rows; empty: Nexmark's default table (side_input.h).
  std::string side_input;
  //! Progress counter and failure injector the source reports to (both optional).
  connectors::nexmark::NexmarkSourceHooks source_hooks;
};

}  // namespace weir::nexmark
