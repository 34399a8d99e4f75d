// The Kafka connector for Python jobs: KafkaSource and KafkaSink of strings, configured by the dicts that
// weir/datastream/connectors/kafka.py builds (PyFlink's builder names). Records cross as UTF-8 strings; the
// Python side encodes values to str before the sink (SimpleStringSchema).
#include <pybind11/stl.h>

#include "job_builder.h"
#include "weir/connectors/kafka/kafka_admin.h"
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

}  // namespace

int JobBuilder::kafka_source(const py::dict& config, const std::string& name) {
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
  try {
    auto source = b.build();
    return add(env_->from_source<PyValue>(source.reader_factory(), name));
  } catch (const kafka::KafkaError& e) {
    throw py::value_error(e.what());
  }
}

int JobBuilder::kafka_sink(int in, const py::dict& config, const std::string& name) {
  auto b = kafka::KafkaSink<PyValue>::builder();
  b.set_bootstrap_servers(config["bootstrap_servers"].cast<std::string>())
      .set_topic(config["topic"].cast<std::string>())
      .set_value_serializer([](const PyValue& v) { return decode_utf8(v.bytes); })
      .set_transactional_id_prefix(config["transactional_id_prefix"].cast<std::string>());
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
  try {
    auto sink = b.build();
    sinks_.push_back(values(in, "KafkaSink").add_sink(sink, name));
    return static_cast<int>(sinks_.size()) - 1;
  } catch (const kafka::KafkaError& e) {
    throw py::value_error(e.what());
  }
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
