#pragma once
// Topic administration through librdkafka's admin API: create and delete topics, add partitions. Used by the
// test harness, scripts and tools; jobs never create topics on their own.
//
// Threading: each call blocks its caller until the brokers answer or the timeout passes.
#include <chrono>
#include <string>
#include <vector>

#include "weir/connectors/kafka/kafka_client.h"

namespace weir::kafka {

struct NewTopic {
  std::string name;
  int32_t partitions = 1;
  int16_t replication_factor = 1;
  KafkaProperties config;  //!< topic configs, e.g. {"retention.ms", "-1"}
};

class KafkaAdmin {
 public:
  //! An admin client for the brokers `bootstrap_servers` (plus any librdkafka `properties`).
  explicit KafkaAdmin(const std::string& bootstrap_servers, KafkaProperties properties = {});

  //! Creates the topics and returns once the cluster's metadata lists them. A KafkaError names the topic
  //! that could not be created (e.g. TOPIC_ALREADY_EXISTS) or the brokers that did not answer.
  void create_topics(const std::vector<NewTopic>& topics, std::chrono::milliseconds timeout);
  //! Deletes the topics (a topic that does not exist is no error) and returns once the metadata no longer
  //! lists them.
  void delete_topics(const std::vector<std::string>& topics, std::chrono::milliseconds timeout);

  //! Grows `topic` to `total_partitions` partitions and returns once the metadata lists that many. A
  //! KafkaError names the topic (e.g. INVALID_PARTITIONS when it already has as many) or the brokers.
  void create_partitions(const std::string& topic, int32_t total_partitions,
                         std::chrono::milliseconds timeout);

  const KafkaClient& client() const { return *client_; }

 private:
  std::unique_ptr<KafkaClient> client_;
};

}  // namespace weir::kafka
