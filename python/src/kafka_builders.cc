// The Kafka connector for Python jobs: KafkaSource and KafkaSink of strings, configured by the dicts that
// weir/datastream/connectors/kafka.py builds (PyFlink's builder names). Records cross as UTF-8 strings; the
// Python side encodes values to str before the sink (SimpleStringSchema), or, with a topic selector, a key
// schema or a partitioner, into (topic, key, value, partition) tuples the sink takes apart without the GIL.
#include <pybind11/stl.h>

#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "job_builder.h"
#include "weir/connectors/kafka/kafka_admin.h"
#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_error.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/connectors/kafka/kafka_source.h"

namespace weir::python {
namespace {

kafka::OffsetResetStrategy reset_strategy(const std::string& s) {
  if (s == "earliest") return kafka::OffsetResetStrategy::kEarliest;
  if (s == "latest") return kafka::OffsetResetStrategy::kLatest;
  if (s == "none") return kafka::OffsetResetStrategy::kNone;
  throw py::value_error("KafkaOffsetResetStrategy: unknown strategy '" + s + "'");
}

// ("earliest",) ("latest",) ("timestamp", ms) ("committed", reset) ("offsets", {(topic, partition): offset},
// reset)
kafka::OffsetsInitializer offsets_initializer(const py::tuple& spec) {
  auto kind = spec[0].cast<std::string>();
  if (kind == "earliest") return kafka::OffsetsInitializer::earliest();
  if (kind == "latest") return kafka::OffsetsInitializer::latest();
  if (kind == "timestamp") return kafka::OffsetsInitializer::timestamp(spec[1].cast<int64_t>());
  if (kind == "committed")
    return kafka::OffsetsInitializer::committed_offsets(reset_strategy(spec[1].cast<std::string>()));
  if (kind == "offsets") {
    std::map<kafka::TopicPartition, int64_t> offsets;
    for (const auto& [tp, offset] : spec[1].cast<py::dict>()) {
      auto t = tp.cast<py::tuple>();
      offsets[{t[0].cast<std::string>(), t[1].cast<int32_t>()}] = offset.cast<int64_t>();
    }
    return kafka::OffsetsInitializer::offsets(std::move(offsets),
                                              reset_strategy(spec[2].cast<std::string>()));
  }
  throw py::value_error("KafkaOffsetsInitializer: unknown kind '" + kind + "'");
}

std::map<std::string, std::string> properties(const py::dict& config) {
  std::map<std::string, std::string> out;
  for (const auto& kv : config["properties"].cast<py::dict>())
    out[kv.first.cast<std::string>()] = kv.second.cast<std::string>();
  return out;
}

// A record of the Python sink's preprocessing: topic ("" for the sink's fixed one), key (absent: none),
// value, partition (-1: the producer's choice).
using SinkFields = std::tuple<std::string, std::optional<std::string>, std::string, int32_t>;

SinkFields sink_fields(const PyValue& v) {
  auto f = decode_plain_tuple(v.bytes);
  auto text = [&](size_t i) -> const std::string& {
    if (const auto* s = std::get_if<std::string>(&f[i])) return *s;
    throw SerializationError("the Kafka sink's record field " + std::to_string(i) + " is not a str");
  };
  if (f.size() != 4)
    throw SerializationError("the Kafka sink's record is not (topic, key, value, partition)");
  SinkFields out{text(0), std::nullopt, text(2), -1};
  if (!std::holds_alternative<std::monostate>(f[1])) std::get<1>(out) = text(1);
  if (const auto* p = std::get_if<int64_t>(&f[3])) std::get<3>(out) = static_cast<int32_t>(*p);
  return out;
}

}  // namespace

int JobBuilder::kafka_source(const py::dict& config, const std::string& name, py::object strategy,
                             py::object assigner) {
  auto b = kafka::KafkaSource<PyValue>::builder();
  b.set_bootstrap_servers(config["bootstrap_servers"].cast<std::string>())
      .set_topics(config["topics"].cast<std::vector<std::string>>())
      .set_topic_pattern(config["topic_pattern"].cast<std::string>())
      .set_group_id(config["group_id"].cast<std::string>())
      .set_starting_offsets(offsets_initializer(config["starting_offsets"].cast<py::tuple>()))
      .set_client_timeout(std::chrono::milliseconds(config["client_timeout_ms"].cast<int64_t>()))
      .set_deserializer([](const kafka::KafkaRecordView& r) {
        if (!kafka::KafkaDeserializers::valid_utf8(r.value))
          throw SerializationError("the value is not valid UTF-8");
        return PyValue{encode_utf8(r.value)};
      });
  if (!config["stopping_offsets"].is_none())
    b.set_bounded(offsets_initializer(config["stopping_offsets"].cast<py::tuple>()));
  for (const auto& [k, v] : properties(config)) b.set_property(k, v);
  if (!strategy.is_none()) b.set_watermark_strategy(watermark_strategy(strategy, std::move(assigner)));
  try {
    auto source = b.build();
    return add(env_->from_source<PyValue>(source.reader_factory(), name));
  } catch (const kafka::KafkaError& e) {
    throw py::value_error(e.what());
  }
}

namespace {

// The builder settings both sink flavours share.
template <typename T>
void configure_sink(kafka::KafkaSinkBuilder<T>& b, const py::dict& config) {
  b.set_bootstrap_servers(config["bootstrap_servers"].cast<std::string>())
      .set_transactional_id_prefix(config["transactional_id_prefix"].cast<std::string>())
      .set_marker_topic(config["marker_topic"].cast<std::string>());
  auto guarantee = config["delivery_guarantee"].cast<std::string>();
  if (guarantee == "none")
    b.set_delivery_guarantee(kafka::DeliveryGuarantee::kNone);
  else if (guarantee == "at-least-once")
    b.set_delivery_guarantee(kafka::DeliveryGuarantee::kAtLeastOnce);
  else if (guarantee == "exactly-once")
    b.set_delivery_guarantee(kafka::DeliveryGuarantee::kExactlyOnce);
  else
    throw py::value_error("DeliveryGuarantee: unknown guarantee '" + guarantee + "'");
  for (const auto& [k, v] : properties(config)) b.set_property(k, v);
}

}  // namespace

int JobBuilder::kafka_sink(int in, const py::dict& config, const std::string& name) {
  try {
    if (!config.contains("fields") || !config["fields"].cast<bool>()) {
      auto b = kafka::KafkaSink<PyValue>::builder();
      configure_sink(b, config);
      b.set_topic(config["topic"].cast<std::string>()).set_value_serializer([](const PyValue& v) {
        return decode_utf8(v.bytes);
      });
      sinks_.push_back(values(in, "KafkaSink").add_sink(b.build(), name));
      return static_cast<int>(sinks_.size()) - 1;
    }
    auto b = kafka::KafkaSink<SinkFields>::builder();
    configure_sink(b, config);
    std::string topic = config["topic"].cast<std::string>();
    if (topic.empty())
      b.set_topic_selector([](const SinkFields& r) { return std::get<0>(r); });
    else
      b.set_topic(topic);
    b.set_value_serializer([](const SinkFields& r) { return std::get<2>(r); });
    if (config["has_key"].cast<bool>())
      b.set_key_serializer([](const SinkFields& r) { return std::get<1>(r).value_or(std::string()); });
    if (config["has_partitioner"].cast<bool>())
      b.set_partitioner([](const SinkFields& r, int32_t) { return std::get<3>(r); });
    auto sink = b.build();
    auto& values_in = values(in, "KafkaSink");
    auto fields = values_in.map([](const PyValue& v) { return sink_fields(v); }, "Kafka Record");
    int parallelism = node_of(in).parallelism;
    if (parallelism > 0) fields.set_parallelism(parallelism);
    sinks_.push_back(fields.add_sink(sink, name));
    return static_cast<int>(sinks_.size()) - 1;
  } catch (const kafka::KafkaError& e) {
    throw py::value_error(e.what());
  }
}

void kafka_create_partitions(const std::string& bootstrap_servers, const std::string& topic,
                             int total_partitions, double timeout_s) {
  py::gil_scoped_release unlocked;
  kafka::KafkaAdmin(bootstrap_servers)
      .create_partitions(topic, total_partitions,
                         std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
}

int kafka_partition_count(const std::string& bootstrap_servers, const std::string& topic, double timeout_s) {
  try {
    py::gil_scoped_release unlocked;
    return kafka::KafkaAdmin(bootstrap_servers, {{"log_level", "0"}})
        .client()
        .partition_count(topic, std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
  } catch (const kafka::KafkaError& e) {
    throw py::value_error(e.what());
  }
}

std::vector<std::tuple<int32_t, std::optional<py::bytes>, py::bytes>> kafka_read_topic(
    const std::string& bootstrap_servers, const std::string& topic, double timeout_s) {
  struct Record {
    int32_t partition;
    std::optional<std::string> key;
    std::string value;
  };
  std::vector<Record> records;
  try {
    py::gil_scoped_release unlocked;
    auto timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
    kafka::KafkaConsumer consumer(
        {{"bootstrap.servers", bootstrap_servers}, {"group.id", "weir-python-reader"}, {"log_level", "0"}});
    int32_t partitions = consumer.client().partition_count(topic, timeout);
    std::map<kafka::TopicPartition, int64_t> start;
    for (int32_t p = 0; p < partitions; ++p) start[{topic, p}] = -2 /* RD_KAFKA_OFFSET_BEGINNING */;
    consumer.assign(start);
    std::set<int32_t> ended;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (static_cast<int32_t>(ended.size()) < partitions) {
      if (std::chrono::steady_clock::now() > deadline)
        throw kafka::KafkaError("reading topic '" + topic + "' did not reach its end in time");
      auto m = consumer.poll(std::chrono::milliseconds(100));
      if (!m) continue;
      if (m->partition_eof()) {
        ended.insert(m->partition());
      } else if (m->error() == 0) {
        auto v = m->view();
        records.push_back(
            {v.partition, v.key ? std::optional<std::string>(*v.key) : std::nullopt, std::string(v.value)});
        ended.erase(m->partition());
      }
    }
  } catch (const kafka::KafkaError& e) {
    throw py::value_error(e.what());
  }
  std::vector<std::tuple<int32_t, std::optional<py::bytes>, py::bytes>> out;
  for (auto& r : records)
    out.emplace_back(r.partition, r.key ? std::optional<py::bytes>(py::bytes(*r.key)) : std::nullopt,
                     py::bytes(r.value));
  return out;
}

void kafka_create_topics(const std::string& bootstrap_servers,
                         const std::vector<std::pair<std::string, int>>& topics, double timeout_s) {
  std::vector<kafka::NewTopic> specs;
  for (const auto& [name, partitions] : topics) specs.push_back({name, partitions});
  py::gil_scoped_release unlocked;
  kafka::KafkaAdmin(bootstrap_servers)
      .create_topics(specs, std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
}

}  // namespace weir::python
