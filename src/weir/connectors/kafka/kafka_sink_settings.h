#pragma once
// What a KafkaSink was built with, apart from its serializers (kafka_sink.h adds those).
#include <chrono>
#include <string>

#include "weir/connectors/kafka/topic_partition.h"

namespace weir::kafka {

//! Flink's DeliveryGuarantee. kNone: produce and never wait. kAtLeastOnce: every checkpoint barrier waits
//! until all records before it are acknowledged. kExactlyOnce: one Kafka transaction per checkpoint,
//! committed when the checkpoint completes (README.md: how the window between completion and commit loses
//! nothing).
enum class DeliveryGuarantee { kNone, kAtLeastOnce, kExactlyOnce };

struct KafkaSinkSettings {
  std::string bootstrap_servers;
  //! The sink's one topic (empty with a topic selector): checked to exist when a subtask starts.
  std::string topic;
  DeliveryGuarantee delivery_guarantee = DeliveryGuarantee::kNone;
  //! kExactlyOnce: transactional ids are "<prefix>-<subtask>", the marker group of subtask s "<prefix>-<s>";
  //! two jobs writing at once must not share a prefix.
  std::string transactional_id_prefix;
  //! kExactlyOnce: the partition whose consumer-group offset marks the last committed checkpoint of a subtask
  //! (an existing topic; the sink's own topic when it has one).
  std::string marker_topic;
  KafkaProperties properties;  //!< passed through to librdkafka's producer
  //! Bounds flushes, transaction calls and metadata look-ups; past it the task fails naming the brokers.
  std::chrono::milliseconds client_timeout{30000};
  //! Whether the job checkpoints (set by the sink at start): without checkpoints, kExactlyOnce commits once,
  //! at the end of the input, and kAtLeastOnce flushes there.
  bool checkpointing = false;
};

}  // namespace weir::kafka
