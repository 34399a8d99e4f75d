#include "weir/connectors/kafka/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include "weir/connectors/kafka/kafka_error.h"

namespace weir::kafka {

std::unique_ptr<KafkaClient> KafkaClient::create(KafkaClientKind kind, const KafkaProperties& properties,
                                                 const std::function<void(rd_kafka_conf_s*)>& configure) {
  auto servers = properties.find("bootstrap.servers");
  if (servers == properties.end() || servers->second.empty())
    throw KafkaError("Kafka client: no bootstrap servers given (property 'bootstrap.servers')");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw KafkaError("Kafka client property '" + key + "' = '" + value + "': " + err);
    }
  }
  if (configure) configure(conf);
  // rd_kafka_new takes the configuration over when it succeeds, and leaves it to us when it fails.
  rd_kafka_t* rk = rd_kafka_new(kind == KafkaClientKind::kProducer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER,
                                conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError("cannot create a Kafka client for brokers " + servers->second + ": " + err);
  }
  return std::unique_ptr<KafkaClient>(new KafkaClient(rk, servers->second));
}

KafkaClient::~KafkaClient() {
  rd_kafka_destroy(rk_);
}

std::map<std::string, int32_t> KafkaClient::list_topics(std::chrono::milliseconds timeout) const {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e =
      rd_kafka_metadata(rk_, /*all_topics=*/1, nullptr, &md, static_cast<int>(timeout.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError(where() + " did not answer a metadata request within " +
                         std::to_string(timeout.count()) + " ms (" + kafka_error_detail(e) + ")",
                     e);
  std::map<std::string, int32_t> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    std::string name = t.topic;
    // A topic being created may report LEADER_NOT_AVAILABLE with its partitions already listed: it exists.
    if (t.partition_cnt == 0 || name.rfind("__", 0) == 0) continue;
    out[name] = t.partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

int32_t KafkaClient::partition_count(const std::string& topic, std::chrono::milliseconds timeout) const {
  auto topics = list_topics(timeout);
  auto it = topics.find(topic);
  if (it == topics.end())
    throw KafkaError("topic '" + topic + "' does not exist on " + where(),
                     RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  return it->second;
}

}  // namespace weir::kafka
