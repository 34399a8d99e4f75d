#pragma once
// A producer: records to topics, delivery confirmed by flush(), and Kafka transactions. Delivery failures are
// remembered (the first one, naming its topic and partition) and thrown by the next flush() or commit.
//
// Threading: one thread drives a producer; librdkafka's threads run the delivery callback, which only
// touches the failure fields under a mutex.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "weir/connectors/kafka/kafka_client.h"

namespace weir::kafka {

class KafkaProducer {
 public:
  //! `properties` must hold bootstrap.servers; a `transactional.id` makes it a transactional producer.
  explicit KafkaProducer(const KafkaProperties& properties);
  //! Aborts an open transaction first (bounded wait): destroying librdkafka 2.0's producer while transaction
  //! requests are in flight can trip an assertion in it.
  ~KafkaProducer();

  //! Queues a record. `partition` < 0 lets the producer's partitioner choose (by key); `timestamp_ms` 0 means
  //! now. Blocks while librdkafka's queue is full. A KafkaError for an unknown topic or a fatal producer.
  void produce(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
               std::string_view value, int64_t timestamp_ms = 0);
  //! Waits until every queued record is acknowledged; a KafkaError when one failed or the timeout passed.
  void flush(std::chrono::milliseconds timeout);

  // ---- transactions (a transactional.id is required) ----
  //! Fences earlier producers with the same transactional id and aborts their open transaction.
  void init_transactions(std::chrono::milliseconds timeout);
  void begin_transaction();
  //! Adds consumer-group offsets to the open transaction: they become visible iff it commits.
  void send_offsets_to_transaction(const std::string& group_id,
                                   const std::map<TopicPartition, int64_t>& offsets,
                                   std::chrono::milliseconds timeout);
  void commit_transaction(std::chrono::milliseconds timeout);
  void abort_transaction(std::chrono::milliseconds timeout);

  const KafkaClient& client() const { return *client_; }

 private:
  static void on_delivery(rd_kafka_s* rk, const void* message, void* opaque);
  void throw_delivery_failure();

  std::unique_ptr<KafkaClient> client_;
  std::string transactional_id_;
  bool in_transaction_ = false;  // begun and neither committed nor aborted
  std::mutex mu_;
  std::string first_failure_;  // GUARDED_BY(mu_)
  int failure_code_ = 0;       // GUARDED_BY(mu_)
};

}  // namespace weir::kafka
