#pragma once
// The untyped half of a Kafka source subtask: which partitions it reads (splits), a consumer assigned exactly
// those from the split offsets, the positions as records are handed out, bounded ends, checkpointed positions
// and the offsets committed to the group once a checkpoint completes. KafkaSourceReader<T> (kafka_source.h)
// adds deserialization and emission.
//
// Partitions: a fresh subtask lists the topics (or matches the pattern), takes the partitions it owns
// (partition_owner: stable per topic, spread over subtasks like Flink's enumerator does) and resolves their
// starting and stopping offsets. A restored subtask reads exactly the splits it was given: the checkpoint,
// not the current metadata, says who reads what.
//
// Discovery (unbounded, partition.discovery.interval.ms > 0): every interval a PartitionDiscovery thread
// lists the topics; the subtask adds, from their earliest offset, the partitions it owns (partition_owner at
// the current parallelism) that it does not read and that no subtask read at the restored checkpoint (the
// job-wide view restore_known gives). So each partition is read by exactly one subtask: the owner rule is the
// same everywhere, and a partition in the checkpoint stays with the subtask its split went to.
//
// Threading: the source's task thread, and the discovery thread, which only lists topics and hands the
// listing over (partition_discovery.h).
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_partition_split.h"
#include "weir/connectors/kafka/kafka_source_settings.h"
#include "weir/connectors/kafka/partition_discovery.h"

namespace weir::kafka {

//! The subtask (of `parallelism`) that reads `tp` when a job starts without a checkpoint.
int partition_owner(const TopicPartition& tp, int parallelism);

class KafkaPartitionReader {
 public:
  KafkaPartitionReader(KafkaSourceSettings settings, int subtask, int parallelism);

  //! Replaces the partitions discovery would choose with these (before the first next()).
  void restore(std::vector<KafkaPartitionSplit> splits);
  //! The partitions of every subtask at the restored checkpoint (before the first next()): discovery leaves
  //! them to the subtasks their splits went to.
  void restore_known(std::vector<TopicPartition> partitions);
  //! The next record within the splits' bounds, or nullptr when none arrived within `timeout`. Sets the
  //! partitions up on the first call. The returned message's partition counts as read up to its offset.
  std::unique_ptr<KafkaMessage> next(std::chrono::milliseconds timeout);
  //! `wake` is called from a librdkafka thread when records arrive while none wait to be read
  //! (KafkaConsumer::on_messages_available).
  void on_records_available(std::function<void()> wake) { consumer_->on_messages_available(std::move(wake)); }
  //! Bounded, and every split reached its stop offset.
  bool finished() const;

  //! The splits as of now; remembers their offsets to commit once checkpoint `checkpoint_id` completes.
  std::vector<KafkaPartitionSplit> snapshot(int64_t checkpoint_id);
  //! Commits the offsets of checkpoint `checkpoint_id` (and forgets older ones) to the group, for monitoring.
  void checkpoint_complete(int64_t checkpoint_id);

  const std::map<TopicPartition, KafkaPartitionSplit>& splits() const { return splits_; }
  //! The partition of the record next() returned last.
  const TopicPartition& last_partition() const { return last_->partition; }
  const KafkaSourceSettings& settings() const { return settings_; }

 private:
  void set_up();
  std::vector<TopicPartition> discover_partitions();
  //! The subscribed topics (settings' topics or pattern) among `listed`; a missing topic of a fixed list is
  //! an error when `require_all`, else left out.
  std::map<std::string, int32_t> subscribed(const std::map<std::string, int32_t>& listed,
                                            bool require_all) const;
  //! Adds the partitions of the discovery thread's newest listing that this subtask owns and nobody reads.
  void add_discovered();
  void mark_finished(KafkaPartitionSplit& split);
  KafkaPartitionSplit* split_of(const KafkaMessage& m);

  KafkaSourceSettings settings_;
  int subtask_;
  int parallelism_;
  std::unique_ptr<KafkaConsumer> consumer_;
  std::unique_ptr<PartitionDiscovery> discovery_;  // after consumer_: stops before the consumer goes
  bool set_up_ = false;
  std::optional<std::vector<KafkaPartitionSplit>> restored_;
  std::set<TopicPartition> known_;  // read by some subtask at the restored checkpoint
  std::map<TopicPartition, KafkaPartitionSplit> splits_;
  // Per record, the split is found by librdkafka's topic handle and the partition: no copy of the topic name.
  std::map<std::pair<const void*, int32_t>, KafkaPartitionSplit*> by_handle_;
  KafkaPartitionSplit* last_ = nullptr;
  size_t unfinished_ = 0;
  std::deque<std::pair<int64_t, std::map<TopicPartition, int64_t>>> pending_commits_;
};

}  // namespace weir::kafka
