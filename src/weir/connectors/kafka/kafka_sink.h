#pragma once
// KafkaSink: a stream into Kafka topics under a delivery guarantee (Flink's KafkaSink contract on
// librdkafka): kNone, kAtLeastOnce (each checkpoint waits until everything before its barrier is
// acknowledged) or kExactlyOnce (a transaction per checkpoint, committed when it completes; KafkaSinkWriter
// and README.md say how a failure between completion and commit loses nothing). Record timestamps are the
// stream's event time.
//
//   auto sink = KafkaSink<Total>::builder()
//                   .set_bootstrap_servers("127.0.0.1:9092")
//                   .set_topic("totals")
//                   .set_key_serializer([](const Total& t) { return t.customer; })
//                   .set_value_serializer(KafkaSerializers::json<Total>())
//                   .set_delivery_guarantee(DeliveryGuarantee::kExactlyOnce)
//                   .set_transactional_id_prefix("totals-job")
//                   .build();
//   totals.add_sink(sink, "Kafka: totals");
//
// Threading: an instance belongs to one subtask and runs on its task thread.
#include <functional>
#include <memory>
#include <string>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/connectors/json_format.h"
#include "weir/connectors/kafka/kafka_error.h"
#include "weir/connectors/kafka/kafka_sink_writer.h"
#include "weir/functions/functions.h"
#include "weir/functions/runtime_context.h"

namespace weir::kafka {

struct KafkaSerializers {
  //! The value as the JSON object of a WEIR_STRUCT (or a number, string, bool), as the file sinks write it.
  template <typename T>
  static std::function<std::string(const T&)> json() {
    return [](const T& v) {
      std::string out;
      connectors::append_json(out, v);
      return out;
    };
  }
};

template <typename T>
class KafkaSinkBuilder;

template <typename T>
class KafkaSink final : public SinkFunction<T>, public CheckpointedFunction, public CheckpointListener {
 public:
  static KafkaSinkBuilder<T> builder() { return {}; }

  KafkaSink(const KafkaSink& o)
      : settings_(o.settings_),
        topic_(o.topic_),
        topic_selector_(o.topic_selector_),
        key_serializer_(o.key_serializer_),
        value_serializer_(o.value_serializer_),
        partitioner_(o.partitioner_) {}

  void initialize_state(RuntimeContext& ctx, bool restored) override {
    state_ = &ctx.get_union_list_state(ListStateDescriptor<std::string>("kafka-sink-transactions"));
    settings_.checkpointing = ctx.get_runtime_config().get_duration(options::kCheckpointInterval).count() > 0;
    writer_ = std::make_unique<KafkaSinkWriter>(settings_, ctx.get_index_of_this_subtask(),
                                                ctx.get_number_of_parallel_subtasks());
    writer_->start(restored ? state_->get() : std::vector<std::string>{});
    state_->clear();
  }
  void snapshot_state(int64_t checkpoint_id) override { state_->update(writer_->snapshot(checkpoint_id)); }
  void notify_checkpoint_complete(int64_t checkpoint_id) override {
    writer_->checkpoint_complete(checkpoint_id);
  }

  void invoke(const T& v, const typename SinkFunction<T>::Context& ctx) override {
    KafkaOutputRecord r;
    r.topic = topic_selector_ ? topic_selector_(v) : topic_;
    if (key_serializer_) r.key = key_serializer_(v);
    r.value = value_serializer_(v);
    if (partitioner_) r.partition = partitioner_(v, writer_->partition_count(r.topic));
    if (ctx.timestamp != kNoTimestamp && ctx.timestamp > 0) r.timestamp_ms = ctx.timestamp;
    writer_->write(std::move(r));
  }
  void finish() override { writer_->finish(); }
  void close() override { writer_.reset(); }

 private:
  friend class KafkaSinkBuilder<T>;
  KafkaSink() = default;

  KafkaSinkSettings settings_;
  std::string topic_;
  std::function<std::string(const T&)> topic_selector_;
  std::function<std::string(const T&)> key_serializer_;
  std::function<std::string(const T&)> value_serializer_;
  std::function<int32_t(const T&, int32_t)> partitioner_;
  std::unique_ptr<KafkaSinkWriter> writer_;
  ListState<std::string>* state_ = nullptr;
};

//! Setters called on a temporary builder (`KafkaSink<T>::builder().set_...()`) return it by
//! value, so a reference to the temporary cannot be kept by mistake; on a variable they return a reference.
template <typename T>
class KafkaSinkBuilder {
 public:
  KafkaSinkBuilder& set_bootstrap_servers(std::string servers) & {
    sink_.settings_.bootstrap_servers = std::move(servers);
    return *this;
  }
  KafkaSinkBuilder set_bootstrap_servers(std::string servers) && {
    return std::move(set_bootstrap_servers(std::move(servers)));
  }
  //! Every record goes to this topic ...
  KafkaSinkBuilder& set_topic(std::string topic) & {
    sink_.topic_ = std::move(topic);
    return *this;
  }
  KafkaSinkBuilder set_topic(std::string topic) && { return std::move(set_topic(std::move(topic))); }
  //! ... or to the topic this function names.
  KafkaSinkBuilder& set_topic_selector(std::function<std::string(const T&)> selector) & {
    sink_.topic_selector_ = std::move(selector);
    return *this;
  }
  KafkaSinkBuilder set_topic_selector(std::function<std::string(const T&)> selector) && {
    return std::move(set_topic_selector(std::move(selector)));
  }
  //! The record's key (default: none, so the producer spreads records over partitions).
  KafkaSinkBuilder& set_key_serializer(std::function<std::string(const T&)> serializer) & {
    sink_.key_serializer_ = std::move(serializer);
    return *this;
  }
  KafkaSinkBuilder set_key_serializer(std::function<std::string(const T&)> serializer) && {
    return std::move(set_key_serializer(std::move(serializer)));
  }
  KafkaSinkBuilder& set_value_serializer(std::function<std::string(const T&)> serializer) & {
    sink_.value_serializer_ = std::move(serializer);
    return *this;
  }
  KafkaSinkBuilder set_value_serializer(std::function<std::string(const T&)> serializer) && {
    return std::move(set_value_serializer(std::move(serializer)));
  }
  //! The partition of a record, given the topic's partition count (default: librdkafka's, by key hash).
  KafkaSinkBuilder& set_partitioner(std::function<int32_t(const T&, int32_t)> partitioner) & {
    sink_.partitioner_ = std::move(partitioner);
    return *this;
  }
  KafkaSinkBuilder set_partitioner(std::function<int32_t(const T&, int32_t)> partitioner) && {
    return std::move(set_partitioner(std::move(partitioner)));
  }
  KafkaSinkBuilder& set_delivery_guarantee(DeliveryGuarantee guarantee) & {
    sink_.settings_.delivery_guarantee = guarantee;
    return *this;
  }
  KafkaSinkBuilder set_delivery_guarantee(DeliveryGuarantee guarantee) && {
    return std::move(set_delivery_guarantee(guarantee));
  }
  //! kExactlyOnce: the transactional ids' prefix, unique per job writing at the same time.
  KafkaSinkBuilder& set_transactional_id_prefix(std::string prefix) & {
    sink_.settings_.transactional_id_prefix = std::move(prefix);
    return *this;
  }
  KafkaSinkBuilder set_transactional_id_prefix(std::string prefix) && {
    return std::move(set_transactional_id_prefix(std::move(prefix)));
  }
  //! kExactlyOnce with a topic selector: an existing topic whose partition 0 carries the commit markers.
  KafkaSinkBuilder& set_marker_topic(std::string topic) & {
    sink_.settings_.marker_topic = std::move(topic);
    return *this;
  }
  KafkaSinkBuilder set_marker_topic(std::string topic) && {
    return std::move(set_marker_topic(std::move(topic)));
  }
  //! A librdkafka producer property, passed through (e.g. "linger.ms", "compression.type").
  KafkaSinkBuilder& set_property(const std::string& key, std::string value) & {
    sink_.settings_.properties[key] = std::move(value);
    return *this;
  }
  KafkaSinkBuilder set_property(const std::string& key, std::string value) && {
    return std::move(set_property(key, std::move(value)));
  }
  //! Bounds flushes, transaction calls and metadata look-ups (default 30 s).
  KafkaSinkBuilder& set_client_timeout(std::chrono::milliseconds timeout) & {
    sink_.settings_.client_timeout = timeout;
    return *this;
  }
  KafkaSinkBuilder set_client_timeout(std::chrono::milliseconds timeout) && {
    return std::move(set_client_timeout(timeout));
  }

  //! A KafkaError names what is missing or contradictory.
  KafkaSink<T> build() const {
    KafkaSink<T> s(sink_);
    s.settings_.topic = s.topic_;
    if (s.settings_.bootstrap_servers.empty())
      throw KafkaError("KafkaSink: no bootstrap servers (set_bootstrap_servers)");
    if (s.topic_.empty() == !s.topic_selector_)
      throw KafkaError("KafkaSink: give either a topic (set_topic) or a topic selector (set_topic_selector)");
    if (!s.value_serializer_) throw KafkaError("KafkaSink: no value serializer (set_value_serializer)");
    if (s.settings_.delivery_guarantee == DeliveryGuarantee::kExactlyOnce) {
      if (s.settings_.transactional_id_prefix.empty())
        throw KafkaError(
            "KafkaSink: exactly-once needs a transactional id prefix (set_transactional_id_prefix)");
      if (s.settings_.marker_topic.empty()) s.settings_.marker_topic = s.topic_;
      if (s.settings_.marker_topic.empty())
        throw KafkaError(
            "KafkaSink: exactly-once with a topic selector needs a marker topic (set_marker_topic)");
    }
    if (s.settings_.client_timeout.count() <= 0)
      throw KafkaError("KafkaSink: the client timeout must be positive");
    return s;
  }

 private:
  KafkaSink<T> sink_;
};

}  // namespace weir::kafka
