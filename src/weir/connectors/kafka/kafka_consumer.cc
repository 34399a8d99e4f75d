#include "weir/connectors/kafka/kafka_consumer.h"

#include <librdkafka/rdkafka.h>

#include "weir/connectors/kafka/kafka_error.h"

namespace weir::kafka {
namespace {

// A topic-partition list owned by a unique_ptr.
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

PartitionList make_list(const std::vector<TopicPartition>& partitions, int64_t offset) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  return list;
}

}  // namespace

KafkaMessage::~KafkaMessage() {
  rd_kafka_message_destroy(m_);
}
int KafkaMessage::error() const {
  return m_->err;
}
std::string KafkaMessage::error_text() const {
  return rd_kafka_message_errstr(m_);
}
bool KafkaMessage::partition_eof() const {
  return m_->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
}
std::string KafkaMessage::topic() const {
  return m_->rkt ? rd_kafka_topic_name(m_->rkt) : "";
}
const void* KafkaMessage::topic_handle() const {
  return m_->rkt;
}
int32_t KafkaMessage::partition() const {
  return m_->partition;
}
int64_t KafkaMessage::offset() const {
  return m_->offset;
}

KafkaRecordView KafkaMessage::view() const {
  KafkaRecordView v;
  v.topic = rd_kafka_topic_name(m_->rkt);
  v.partition = m_->partition;
  v.offset = m_->offset;
  rd_kafka_timestamp_type_t type;
  int64_t ts = rd_kafka_message_timestamp(m_, &type);
  if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ts >= 0) v.timestamp_ms = ts;
  if (m_->key) v.key = std::string_view(static_cast<const char*>(m_->key), m_->key_len);
  if (m_->payload) v.value = std::string_view(static_cast<const char*>(m_->payload), m_->len);
  return v;
}

KafkaConsumer::KafkaConsumer(KafkaProperties properties) {
  group_id_ = properties["group.id"];
  if (group_id_.empty()) throw KafkaError("Kafka consumer: no group id given (property 'group.id')");
  properties["enable.auto.commit"] = "false";
  properties["enable.auto.offset.store"] = "false";
  properties["enable.partition.eof"] =
      "true";  // bounded reads end on it (transaction markers occupy offsets)
  client_ = KafkaClient::create(KafkaClientKind::kConsumer, properties);
  // Errors and events of the client come through consumer polls, not a second queue.
  rd_kafka_poll_set_consumer(client_->handle());
}

KafkaConsumer::~KafkaConsumer() {
  // Before the close, as librdkafka asks of the consumer queue's users; the callback stops at once
  // (librdkafka calls it under the queue's lock, which disabling takes too).
  if (wake_) on_messages_available({});
  // Assign-only: closing leaves no group to leave; it stops the fetchers before the handle goes.
  rd_kafka_consumer_close(client_->handle());
}

void KafkaConsumer::on_messages_available(std::function<void()> wake) {
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(client_->handle());
  if (!q) return;  // not a consumer handle (cannot happen: the constructor made one)
  if (wake) {
    wake_ = std::move(wake);
    rd_kafka_queue_cb_event_enable(
        q, [](rd_kafka_t*, void* self) { static_cast<KafkaConsumer*>(self)->wake_(); }, this);
  } else {
    rd_kafka_queue_cb_event_enable(q, nullptr, nullptr);
    wake_ = nullptr;
  }
  rd_kafka_queue_destroy(q);  // our reference only: the queue lives as long as the handle
}

void KafkaConsumer::assign(const std::map<TopicPartition, int64_t>& start_offsets) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(start_offsets.size())));
  for (const auto& [tp, offset] : start_offsets)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  if (rd_kafka_resp_err_t e = rd_kafka_assign(client_->handle(), list.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("cannot assign " + std::to_string(start_offsets.size()) + " partitions of " +
                         client_->where() + " to a consumer (" + kafka_error_detail(e) + ")",
                     e);
}

void KafkaConsumer::add_partitions(const std::map<TopicPartition, int64_t>& start_offsets) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(start_offsets.size())));
  for (const auto& [tp, offset] : start_offsets)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  // Incremental assignment is allowed outside a group's cooperative protocol (an assign-only consumer).
  if (rd_kafka_error_t* e = rd_kafka_incremental_assign(client_->handle(), list.get())) {
    rd_kafka_resp_err_t code = rd_kafka_error_code(e);
    std::string text = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    throw KafkaError("cannot add " + std::to_string(start_offsets.size()) + " partitions of " +
                         client_->where() + " to a consumer (" + kafka_error_name(code) + ": " + text + ")",
                     code);
  }
}

void KafkaConsumer::pause(const std::vector<TopicPartition>& partitions) {
  auto list = make_list(partitions, RD_KAFKA_OFFSET_INVALID);
  rd_kafka_pause_partitions(client_->handle(), list.get());
}

std::unique_ptr<KafkaMessage> KafkaConsumer::poll(std::chrono::milliseconds timeout) {
  rd_kafka_message_t* m = rd_kafka_consumer_poll(client_->handle(), static_cast<int>(timeout.count()));
  if (!m) return nullptr;
  return std::make_unique<KafkaMessage>(m);
}

std::pair<int64_t, int64_t> KafkaConsumer::watermark_offsets(const TopicPartition& tp,
                                                             std::chrono::milliseconds timeout) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(client_->handle(), tp.topic.c_str(), tp.partition,
                                                           &low, &high, static_cast<int>(timeout.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("cannot look up the offsets of " + describe_partition(tp.topic, tp.partition) + " on " +
                         client_->where() + " within " + std::to_string(timeout.count()) + " ms (" +
                         kafka_error_detail(e) + ")",
                     e);
  return {low, high};
}

std::map<TopicPartition, int64_t> KafkaConsumer::offsets_for_time(
    const std::vector<TopicPartition>& partitions, int64_t timestamp_ms, std::chrono::milliseconds timeout) {
  auto list = make_list(partitions, timestamp_ms);
  rd_kafka_resp_err_t e =
      rd_kafka_offsets_for_times(client_->handle(), list.get(), static_cast<int>(timeout.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("cannot look up offsets for timestamp " + std::to_string(timestamp_ms) + " on " +
                         client_->where() + " within " + std::to_string(timeout.count()) + " ms (" +
                         kafka_error_detail(e) + ")",
                     e);
  std::map<TopicPartition, int64_t> out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    TopicPartition tp{p.topic, p.partition};
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw KafkaError("cannot look up offsets for timestamp " + std::to_string(timestamp_ms) + " in " +
                           describe_partition(tp.topic, tp.partition) + " on " + client_->where() + " (" +
                           kafka_error_detail(p.err) + ")",
                       p.err);
    // No record at or after the timestamp: start at the end.
    out[tp] = p.offset >= 0 ? p.offset : watermark_offsets(tp, timeout).second;
  }
  return out;
}

std::map<TopicPartition, int64_t> KafkaConsumer::committed(const std::vector<TopicPartition>& partitions,
                                                           std::chrono::milliseconds timeout) {
  auto list = make_list(partitions, RD_KAFKA_OFFSET_INVALID);
  rd_kafka_resp_err_t e =
      rd_kafka_committed(client_->handle(), list.get(), static_cast<int>(timeout.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("cannot read the committed offsets of group '" + group_id_ + "' on " + client_->where() +
                         " within " + std::to_string(timeout.count()) + " ms (" + kafka_error_detail(e) + ")",
                     e);
  std::map<TopicPartition, int64_t> out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0) out[{p.topic, p.partition}] = p.offset;
  }
  return out;
}

void KafkaConsumer::commit_async(const std::map<TopicPartition, int64_t>& offsets) {
  if (offsets.empty()) return;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  // The result comes back through poll() as an event nobody needs: committed offsets are for monitoring only.
  rd_kafka_commit(client_->handle(), list.get(), /*async=*/1);
}

}  // namespace weir::kafka
