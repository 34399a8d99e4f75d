#include "weir/nexmark/kafka/nexmark_kafka.h"

#include <memory>
#include <string>

#include "weir/api/data_stream.h"
#include "weir/api/watermark_strategy.h"
#include "weir/common/error.h"
#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_producer.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/connectors/nexmark/generator.h"
#include "weir/nexmark/event_json.h"
#include "weir/nexmark/kafka/paced_event_reader.h"
#include "weir/nexmark/kafka_io.h"

namespace weir::nexmark {

namespace nx = connectors::nexmark;
using nx::Event;

namespace {

kafka::DeliveryGuarantee connector_guarantee(DeliveryGuarantee g) {
  switch (g) {
    case DeliveryGuarantee::kNone:
      return kafka::DeliveryGuarantee::kNone;
    case DeliveryGuarantee::kAtLeastOnce:
      return kafka::DeliveryGuarantee::kAtLeastOnce;
    case DeliveryGuarantee::kExactlyOnce:
      return kafka::DeliveryGuarantee::kExactlyOnce;
  }
  return kafka::DeliveryGuarantee::kNone;
}

void require_servers(const QueryOptions& o, const char* what, const std::string& topic) {
  if (o.kafka.bootstrap_servers.empty())
    throw ConfigError(std::string(what) + " kafka:" + topic +
                      " needs the brokers' addresses (--bootstrap-servers HOST:PORT[,HOST:PORT...])");
}

// The topic's events, bounded by its end offsets when a subtask first sets up. Event time is the event's own
// dateTime (not the Kafka timestamp, which is when nexmark-gen wrote it), so windows see what they see with
// the generator source; watermarks are per partition, each partition being in generation order up to the
// generator's out-of-orderness.
DataStream<Event> kafka_events(StreamExecutionEnvironment& env, const QueryOptions& o) {
  require_servers(o, "--source", o.source.topic);
  auto builder =
      kafka::KafkaSource<Event>::builder()
          .set_bootstrap_servers(o.kafka.bootstrap_servers)
          .set_topics({o.source.topic})
          .set_starting_offsets(kafka::OffsetsInitializer::earliest())
          .set_bounded(kafka::OffsetsInitializer::latest())
          .set_deserializer([](const kafka::KafkaRecordView& r) {
            Event e;
            parse_event_json(r.value, e);
            return e;
          })
          .set_watermark_strategy(
              WatermarkStrategy<Event>::for_bounded_out_of_orderness(o.generator.out_of_orderness_ms)
                  .with_timestamp_assigner([](const Event& e, Timestamp) { return e.date_time(); }));
  if (o.kafka.client_timeout_ms > 0)
    builder.set_client_timeout(std::chrono::milliseconds(o.kafka.client_timeout_ms));
  auto inner = builder.build().reader_factory();
  auto source = env.from_source<Event>(
      [inner, tps = o.tps, hooks = o.source_hooks] {
        return std::make_unique<PacedEventReader>(inner(), tps, hooks);
      },
      "Kafka Source: " + o.source.topic);
  // Not the generator's uid: a savepoint of one source does not restore the other.
  source.uid("nexmark-kafka-source");
  return source;
}

// KafkaSink stamps each record with its row's event time. Nexmark's event times are synthetic (2024-01-01 by
// default), and Kafka's time-based retention (7 days unless the topic says otherwise) deletes records that
// old at its next check, minutes after they were written: so the rows go out stamped with the time they are
// written, as nexmark-gen's events are. Everything else is the KafkaSink's.
class WriteTimeKafkaSink final : public SinkFunction<std::string>,
                                 public CheckpointedFunction,
                                 public CheckpointListener {
 public:
  explicit WriteTimeKafkaSink(kafka::KafkaSink<std::string> sink) : sink_(std::move(sink)) {}

  void initialize_state(RuntimeContext& ctx, bool restored) override {
    sink_.initialize_state(ctx, restored);
  }
  void open(RuntimeContext& ctx) override { sink_.open(ctx); }
  void invoke(const std::string& line, const Context& ctx) override {
    sink_.invoke(line, Context{kNoTimestamp, ctx.watermark});
  }
  void snapshot_state(int64_t checkpoint_id) override { sink_.snapshot_state(checkpoint_id); }
  void notify_checkpoint_complete(int64_t checkpoint_id) override {
    sink_.notify_checkpoint_complete(checkpoint_id);
  }
  void notify_checkpoint_aborted(int64_t checkpoint_id) override {
    sink_.notify_checkpoint_aborted(checkpoint_id);
  }
  void finish() override { sink_.finish(); }
  void close() override { sink_.close(); }

 private:
  kafka::KafkaSink<std::string> sink_;
};

void kafka_lines(DataStream<std::string> lines, const QueryOptions& o, const std::string& query) {
  const std::string& topic = o.sink.dir;
  require_servers(o, "--sink", topic);
  std::string prefix = o.kafka.transactional_id_prefix.empty() ? "weir-nexmark-" + query + "-" + topic
                                                               : o.kafka.transactional_id_prefix;
  auto builder = kafka::KafkaSink<std::string>::builder()
                     .set_bootstrap_servers(o.kafka.bootstrap_servers)
                     .set_topic(topic)
                     .set_value_serializer([](const std::string& line) { return line; })
                     .set_delivery_guarantee(connector_guarantee(o.kafka.delivery_guarantee))
                     .set_transactional_id_prefix(prefix);
  if (o.kafka.client_timeout_ms > 0)
    builder.set_client_timeout(std::chrono::milliseconds(o.kafka.client_timeout_ms));
  lines.add_sink(WriteTimeKafkaSink(builder.build()), query + ": Kafka Sink " + topic);
}

}  // namespace

void install_nexmark_kafka() {
  install_kafka_io(KafkaIo{kafka_events, kafka_lines});
}

std::string event_key(const Event& e) {
  switch (e.kind) {
    case nx::EventKind::kPerson:
      return std::to_string(e.person.id);
    case nx::EventKind::kAuction:
      return std::to_string(e.auction.id);
    case nx::EventKind::kBid:
      return std::to_string(e.bid.auction);
  }
  return {};
}

void write_events_to_kafka(const nx::GeneratorConfig& config, const std::string& bootstrap_servers,
                           const std::string& topic, std::chrono::milliseconds timeout) {
  kafka::KafkaProducer producer({{"bootstrap.servers", bootstrap_servers},
                                 {"client.id", "weir-nexmark-gen"},
                                 // Retries neither duplicate nor reorder records: each partition keeps
                                 // generation order, which per-partition watermarks rely on.
                                 {"enable.idempotence", "true"},
                                 {"linger.ms", "20"}});
  producer.client().partition_count(topic, timeout);  // names a missing topic or unreachable brokers
  nx::NexmarkGenerator gen(config);
  Event e;
  std::string value;
  for (int64_t n = 0; n < config.events; ++n) {
    gen.generate(n, e);
    value.clear();
    append_event_json(value, e);
    producer.produce(topic, -1, event_key(e), value);
  }
  producer.flush(timeout);
}

int64_t topic_record_count(const std::string& bootstrap_servers, const std::string& topic,
                           std::chrono::milliseconds timeout) {
  kafka::KafkaConsumer consumer({{"bootstrap.servers", bootstrap_servers},
                                 {"group.id", "weir-nexmark"},
                                 {"client.id", "weir-nexmark"}});
  int32_t partitions = consumer.client().partition_count(topic, timeout);
  int64_t total = 0;
  for (int32_t p = 0; p < partitions; ++p) {
    auto [low, high] = consumer.watermark_offsets({topic, p}, timeout);
    total += high - low;
  }
  return total;
}

void check_topic_exists(const std::string& bootstrap_servers, const std::string& topic,
                        std::chrono::milliseconds timeout) {
  auto client = kafka::KafkaClient::create(kafka::KafkaClientKind::kProducer,
                                           {{"bootstrap.servers", bootstrap_servers}});
  client->partition_count(topic, timeout);
}

}  // namespace weir::nexmark
