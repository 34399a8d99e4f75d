#pragma once
// The untyped half of a Kafka sink subtask: produces KafkaOutputRecords under a delivery guarantee, and for
// kExactlyOnce runs the transactions and the recovery described in README.md ("KafkaSink"):
//
//  - The open transaction holds the records since the last barrier. At barrier n it is flushed
//  (pre-committed)
//    and its records become batch n, kept in memory and in the checkpointed state until committed. Records
//    that arrive while a pre-committed transaction waits for its checkpoint to complete are buffered, not
//    produced: they belong to the next checkpoint.
//  - When checkpoint n completes, the transaction gets a marker (the consumer-group offset n of group
//    "<prefix>-<subtask>" on the marker partition, through send_offsets_to_transaction) and is committed;
//    both become visible together or not at all.
//  - On restore, a subtask fences its transactional id (init_transactions aborts what a dead attempt left
//  open),
//    reads the marker m, and commits again, in one transaction, the restored batches with ids above m: the
//    ones whose commit the failure prevented. Batches at or below m were committed and are dropped.
//
// State entries (union list state, so a restore at another parallelism sees every old subtask's): one per
// subtask per checkpoint, (subtask, parallelism, [(checkpoint id, records)...]). Subtask j recovers the old
// subtasks k with k % parallelism == j, fencing "<prefix>-<k>" with a producer of its own for k != j.
//
// Threading: the sink's task thread only (the producer's delivery callbacks aside, see KafkaProducer).
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/connectors/kafka/kafka_output_record.h"
#include "weir/connectors/kafka/kafka_producer.h"
#include "weir/connectors/kafka/kafka_sink_settings.h"

namespace weir::kafka {

class KafkaSinkWriter {
 public:
  KafkaSinkWriter(KafkaSinkSettings settings, int subtask, int parallelism);

  //! Before the first record: with kExactlyOnce fences earlier attempts and commits what `restored` (the
  //! union state's entries, empty when starting fresh) holds that Kafka does not.
  void start(const std::vector<std::string>& restored);
  void write(KafkaOutputRecord record);
  //! The barrier of checkpoint `id`: flushes (kAtLeastOnce, kExactlyOnce); returns this subtask's state
  //! entries.
  std::vector<std::string> snapshot(int64_t id);
  //! Checkpoint `id` completed: commits the transactions it covers (kExactlyOnce).
  void checkpoint_complete(int64_t id);
  //! End of input: flushes; without checkpoints, kExactlyOnce commits everything written.
  void finish();

  //! Partitions of `topic` (cached), for partitioners.
  int32_t partition_count(const std::string& topic);
  //! "<prefix>-<subtask>": the transactional id and marker group of subtask `subtask`.
  static std::string transactional_id(const std::string& prefix, int subtask);

 private:
  struct Batch {
    int64_t checkpoint_id;
    std::vector<KafkaOutputRecord> records;
  };
  using EncodedEntry =
      std::tuple<int32_t, int32_t, std::vector<std::pair<int64_t, std::vector<KafkaOutputRecord::Encoded>>>>;

  void produce(KafkaProducer& producer, const KafkaOutputRecord& r);
  void ensure_transaction();
  void commit(int64_t marker);
  void recover_subtask(int old_subtask, const std::vector<Batch>& batches);
  int64_t committed_marker(int old_subtask);
  TopicPartition marker_partition() const { return {settings_.marker_topic, 0}; }
  bool exactly_once() const { return settings_.delivery_guarantee == DeliveryGuarantee::kExactlyOnce; }

  KafkaSinkSettings settings_;
  int subtask_;
  int parallelism_;
  std::unique_ptr<KafkaProducer> producer_;
  std::map<std::string, int32_t> partition_counts_;
  // kExactlyOnce only:
  std::deque<Batch> pending_;            // closed at barriers, not committed yet
  std::vector<KafkaOutputRecord> open_;  // since the last barrier
  size_t produced_batches_ = 0;          // leading batches of pending_ in the open transaction
  bool blocked_ = false;  // the open transaction is pre-committed: open_ is buffered, not produced
  bool in_transaction_ = false;
};

}  // namespace weir::kafka
