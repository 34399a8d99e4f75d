#pragma once
// One librdkafka client instance (rd_kafka_t), producer or consumer, and what every client can ask a cluster:
// its topics and their partitions. The handle is destroyed with the object; rdkafka.h stays out of this
// header
// (`handle()` is an incomplete type for callers that do not include it).
//
// Threading: librdkafka's own threads talk to the brokers; the calls here are thread-safe, but the connector
// uses a client from one task thread only.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weir/connectors/kafka/topic_partition.h"

struct rd_kafka_s;
struct rd_kafka_conf_s;

namespace weir::kafka {

enum class KafkaClientKind { kProducer, kConsumer };

class KafkaClient {
 public:
  //! Creates a client; `properties` go to librdkafka unchanged. A missing `bootstrap.servers`, an unknown key
  //! or a bad value is a KafkaError naming the key. Creating does not contact a broker.
  //! `configure` may set callbacks on the configuration before the client is made.
  static std::unique_ptr<KafkaClient> create(KafkaClientKind kind, const KafkaProperties& properties,
                                             const std::function<void(rd_kafka_conf_s*)>& configure = {});
  ~KafkaClient();
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  rd_kafka_s* handle() const { return rk_; }
  //! "Kafka brokers <bootstrap.servers>", how error messages name the cluster.
  std::string where() const { return "Kafka brokers " + bootstrap_servers_; }
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  //! The cluster's topics and their partition counts, internal topics (`__consumer_offsets`, ...) left out.
  //! A KafkaError naming the brokers when none answers within `timeout`.
  std::map<std::string, int32_t> list_topics(std::chrono::milliseconds timeout) const;
  //! The partition count of `topic`; a KafkaError naming the topic when it does not exist.
  int32_t partition_count(const std::string& topic, std::chrono::milliseconds timeout) const;

 private:
  KafkaClient(rd_kafka_s* rk, std::string bootstrap_servers)
      : rk_(rk), bootstrap_servers_(std::move(bootstrap_servers)) {}
  rd_kafka_s* rk_;
  std::string bootstrap_servers_;
};

}  // namespace weir::kafka
