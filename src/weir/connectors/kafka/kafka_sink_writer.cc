#include "weir/connectors/kafka/kafka_sink_writer.h"

#include <algorithm>

#include "weir/common/failure_points.h"
#include "weir/common/serializer.h"
#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_error.h"

namespace weir::kafka {
namespace {

KafkaProperties producer_properties(const KafkaSinkSettings& s, const std::string& transactional_id) {
  KafkaProperties p = s.properties;
  p["bootstrap.servers"] = s.bootstrap_servers;
  if (!transactional_id.empty()) p["transactional.id"] = transactional_id;
  if (s.delivery_guarantee == DeliveryGuarantee::kAtLeastOnce) p.emplace("enable.idempotence", "true");
  return p;
}

}  // namespace

std::string KafkaSinkWriter::transactional_id(const std::string& prefix, int subtask) {
  return prefix + "-" + std::to_string(subtask);
}

KafkaSinkWriter::KafkaSinkWriter(KafkaSinkSettings settings, int subtask, int parallelism)
    : settings_(std::move(settings)), subtask_(subtask), parallelism_(parallelism) {
  producer_ = std::make_unique<KafkaProducer>(producer_properties(
      settings_, exactly_once() ? transactional_id(settings_.transactional_id_prefix, subtask_) : ""));
}

void KafkaSinkWriter::start(const std::vector<std::string>& restored) {
  // A missing topic is named now, not after librdkafka's metadata wait when the first record fails.
  for (const auto* topic : {&settings_.topic, &settings_.marker_topic})
    if (!topic->empty()) partition_count(*topic);
  if (!exactly_once()) return;
  producer_->init_transactions(settings_.client_timeout);
  std::map<int, std::vector<Batch>> by_subtask;
  for (const auto& bytes : restored) {
    auto [old_subtask, old_parallelism, batches] = deserialize_from_string<EncodedEntry>(bytes);
    if (old_subtask % parallelism_ != subtask_) continue;
    auto& mine = by_subtask[old_subtask];
    for (const auto& [id, records] : batches) {
      Batch b{id, {}};
      for (const auto& r : records) b.records.push_back(KafkaOutputRecord::decode(r));
      mine.push_back(std::move(b));
    }
  }
  for (auto& [old_subtask, batches] : by_subtask) recover_subtask(old_subtask, batches);
}

int64_t KafkaSinkWriter::committed_marker(int old_subtask) {
  KafkaConsumer consumer({{"bootstrap.servers", settings_.bootstrap_servers},
                          {"group.id", transactional_id(settings_.transactional_id_prefix, old_subtask)},
                          {"isolation.level", "read_committed"}});
  auto committed = consumer.committed({marker_partition()}, settings_.client_timeout);
  auto it = committed.find(marker_partition());
  return it == committed.end() ? 0 : it->second;
}

void KafkaSinkWriter::recover_subtask(int old_subtask, const std::vector<Batch>& batches) {
  // Old subtask k's transactional id: ours when k is this subtask, else fenced through a producer of its own,
  // whose init_transactions aborts whatever k's last attempt left open.
  std::unique_ptr<KafkaProducer> other;
  KafkaProducer* producer = producer_.get();
  if (old_subtask != subtask_) {
    other = std::make_unique<KafkaProducer>(
        producer_properties(settings_, transactional_id(settings_.transactional_id_prefix, old_subtask)));
    other->init_transactions(settings_.client_timeout);
    producer = other.get();
  }
  int64_t marker = committed_marker(old_subtask);
  int64_t last = 0;
  size_t replayed = 0;
  for (const auto& b : batches) {
    if (b.checkpoint_id <= marker || b.records.empty()) continue;
    if (replayed == 0) producer->begin_transaction();
    for (const auto& r : b.records) produce(*producer, r);
    replayed += b.records.size();
    last = std::max(last, b.checkpoint_id);
  }
  if (replayed == 0) return;
  producer->flush(settings_.client_timeout);  // see commit()
  producer->send_offsets_to_transaction(transactional_id(settings_.transactional_id_prefix, old_subtask),
                                        {{marker_partition(), last}}, settings_.client_timeout);
  producer->commit_transaction(settings_.client_timeout);
}

void KafkaSinkWriter::produce(KafkaProducer& producer, const KafkaOutputRecord& r) {
  producer.produce(r.topic, r.partition, r.key ? std::optional<std::string_view>(*r.key) : std::nullopt,
                   r.value, r.timestamp_ms);
}

void KafkaSinkWriter::ensure_transaction() {
  if (in_transaction_) return;
  producer_->begin_transaction();
  in_transaction_ = true;
}

void KafkaSinkWriter::write(KafkaOutputRecord record) {
  if (!exactly_once()) {
    produce(*producer_, record);
    return;
  }
  if (!blocked_) {
    ensure_transaction();
    produce(*producer_, record);
  }
  open_.push_back(std::move(record));
}

std::vector<std::string> KafkaSinkWriter::snapshot(int64_t id) {
  if (settings_.delivery_guarantee == DeliveryGuarantee::kNone) return {};
  producer_->flush(settings_.client_timeout);  // at least once: everything before the barrier is acknowledged
  if (!exactly_once()) return {};
  if (!blocked_ && in_transaction_) {
    // The open transaction holds exactly the records since the last barrier: it is pre-committed now, and
    // records from here on wait for its commit.
    produced_batches_ = pending_.size() + 1;
    blocked_ = true;
  }
  pending_.push_back({id, std::move(open_)});
  open_.clear();
  std::vector<std::pair<int64_t, std::vector<KafkaOutputRecord::Encoded>>> batches;
  for (const auto& b : pending_) {
    std::vector<KafkaOutputRecord::Encoded> records;
    records.reserve(b.records.size());
    for (const auto& r : b.records) records.push_back(r.encode());
    batches.emplace_back(b.checkpoint_id, std::move(records));
  }
  return {serialize_to_string(EncodedEntry{subtask_, parallelism_, std::move(batches)})};
}

void KafkaSinkWriter::checkpoint_complete(int64_t id) {
  if (!exactly_once()) return;
  size_t covered = 0;
  while (covered < pending_.size() && pending_[covered].checkpoint_id <= id) ++covered;
  if (covered == 0) return;
  if (!blocked_) {
    // The open transaction (if any) holds only records since the last barrier, and every closed batch is
    // empty (closed batches with records exist only while a pre-committed transaction waits).
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(covered));
    return;
  }
  // A transaction holds whole batches; one that also holds a batch of a later checkpoint waits for that one.
  if (covered < produced_batches_) return;
  for (size_t i = produced_batches_; i < covered; ++i)
    for (const auto& r : pending_[i].records) produce(*producer_, r);
  WEIR_FAILURE_POINT("kafka.sink.before-commit");
  commit(id);
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(covered));
  produced_batches_ = 0;
  blocked_ = false;
  // What waited: closed batches of later checkpoints go into the next transaction, which is pre-committed at
  // once (it holds only closed batches); else the records since the last barrier go out unblocked.
  if (std::any_of(pending_.begin(), pending_.end(), [](const Batch& b) { return !b.records.empty(); })) {
    ensure_transaction();
    for (const auto& b : pending_)
      for (const auto& r : b.records) produce(*producer_, r);
    producer_->flush(settings_.client_timeout);
    produced_batches_ = pending_.size();
    blocked_ = true;
    return;
  }
  pending_.clear();  // only empty batches: nothing of theirs to commit
  if (!open_.empty()) {
    ensure_transaction();
    for (const auto& r : open_) produce(*producer_, r);
  }
}

void KafkaSinkWriter::commit(int64_t marker) {
  // Every record acknowledged (so its partition is registered with the transaction) before the offsets are
  // added: librdkafka 2.0 can trip over an AddPartitionsToTxn answer that crosses AddOffsetsToTxn.
  producer_->flush(settings_.client_timeout);
  producer_->send_offsets_to_transaction(transactional_id(settings_.transactional_id_prefix, subtask_),
                                         {{marker_partition(), marker}}, settings_.client_timeout);
  producer_->commit_transaction(settings_.client_timeout);
  in_transaction_ = false;
}

void KafkaSinkWriter::finish() {
  if (!exactly_once()) {
    producer_->flush(settings_.client_timeout);
    return;
  }
  if (settings_.checkpointing) return;  // the final checkpoint commits
  // Without checkpoints nothing can be restored: one transaction with everything, committed at the end.
  if (open_.empty() && !in_transaction_) return;
  ensure_transaction();
  producer_->commit_transaction(settings_.client_timeout);
  in_transaction_ = false;
  open_.clear();
}

int32_t KafkaSinkWriter::partition_count(const std::string& topic) {
  auto it = partition_counts_.find(topic);
  if (it != partition_counts_.end()) return it->second;
  return partition_counts_[topic] = producer_->client().partition_count(topic, settings_.client_timeout);
}

}  // namespace weir::kafka
