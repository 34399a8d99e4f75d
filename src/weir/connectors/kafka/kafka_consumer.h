#pragma once
// A consumer that reads partitions it is told to (assign, never subscribe: Weir, not the consumer group,
// decides which subtask reads which partition), looks offsets up (earliest, latest, by timestamp,
// committed), and commits offsets to the group for monitoring.
//
// Threading: one thread drives a consumer (the source's task thread); librdkafka's threads fetch.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/connectors/kafka/kafka_client.h"

struct rd_kafka_message_s;

namespace weir::kafka {

//! What a deserializer sees of a record. Views stay valid while the KafkaMessage they came from lives.
struct KafkaRecordView {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<int64_t> timestamp_ms;  //!< the record's create or log-append time, when it has one
  std::optional<std::string_view> key;  //!< absent for a null key
  std::string_view value;
};

//! One message from a poll: a record, the end of a partition, or an error. Owns librdkafka's message.
class KafkaMessage {
 public:
  explicit KafkaMessage(rd_kafka_message_s* m) : m_(m) {}
  ~KafkaMessage();
  KafkaMessage(const KafkaMessage&) = delete;
  KafkaMessage& operator=(const KafkaMessage&) = delete;

  //! 0 for a record; RD_KAFKA_RESP_ERR__PARTITION_EOF when the consumer reached the partition's end (the
  //! offset is then the end offset); any other code is an error.
  int error() const;
  std::string error_text() const;
  bool partition_eof() const;
  std::string topic() const;
  //! Identifies the topic without copying its name: equal for every message of one topic of one consumer.
  const void* topic_handle() const;
  int32_t partition() const;
  int64_t offset() const;
  KafkaRecordView view() const;

 private:
  rd_kafka_message_s* m_;
};

class KafkaConsumer {
 public:
  //! `properties` must hold bootstrap.servers and group.id; auto-commit and offset stores are turned off
  //! (offsets live in checkpoints), partition ends are reported.
  explicit KafkaConsumer(KafkaProperties properties);
  ~KafkaConsumer();

  //! Calls `wake` on a librdkafka thread whenever a message arrives while none waits to be polled (after a
  //! poll found nothing), so the polling thread need not poll on a timer. `wake` must be quick and must not
  //! call this consumer; it is not called once the consumer is destroyed. Empty: no more calls.
  void on_messages_available(std::function<void()> wake);
  //! Reads exactly these partitions from these offsets from now on (replaces the previous assignment).
  void assign(const std::map<TopicPartition, int64_t>& start_offsets);
  //! Also reads these partitions from these offsets (RD_KAFKA_OFFSET_BEGINNING, -2: the earliest), leaving
  //! the partitions assigned before where they are.
  void add_partitions(const std::map<TopicPartition, int64_t>& start_offsets);
  //! Stops fetching these partitions (they stay assigned).
  void pause(const std::vector<TopicPartition>& partitions);
  //! The next message, or nullptr when none came within `timeout` (0: do not wait).
  std::unique_ptr<KafkaMessage> poll(std::chrono::milliseconds timeout);

  //! (earliest, latest) offsets of a partition: the log start offset and the end offset (the last stable
  //! offset under isolation.level=read_committed).
  std::pair<int64_t, int64_t> watermark_offsets(const TopicPartition& tp, std::chrono::milliseconds timeout);
  //! Per partition, the earliest offset whose record timestamp is >= `timestamp_ms`; the end offset when none
  //! is.
  std::map<TopicPartition, int64_t> offsets_for_time(const std::vector<TopicPartition>& partitions,
                                                     int64_t timestamp_ms, std::chrono::milliseconds timeout);
  //! Per partition, the group's committed offset; partitions without one are left out.
  std::map<TopicPartition, int64_t> committed(const std::vector<TopicPartition>& partitions,
                                              std::chrono::milliseconds timeout);
  //! Commits offsets (the next offsets to read) to the group, without waiting for the answer.
  void commit_async(const std::map<TopicPartition, int64_t>& offsets);

  const KafkaClient& client() const { return *client_; }
  const std::string& group_id() const { return group_id_; }

 private:
  std::unique_ptr<KafkaClient> client_;
  std::string group_id_;
  std::function<void()> wake_;  // on_messages_available's; librdkafka holds `this` as the callback's opaque
};

}  // namespace weir::kafka
