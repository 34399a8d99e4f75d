#include "weir/connectors/kafka/kafka_producer.h"

#include <librdkafka/rdkafka.h>

#include "weir/connectors/kafka/kafka_error.h"

namespace weir::kafka {
namespace {

// Turns a transactional API error into a KafkaError that says what was attempted for which transactional id.
void check(rd_kafka_error_t* error, const std::string& action, const KafkaClient& client,
           const std::string& txn_id) {
  if (!error) return;
  int code = rd_kafka_error_code(error);
  std::string msg = action + " of transactional id '" + txn_id + "' on " + client.where() + " failed (" +
                    rd_kafka_error_name(error) + ": " + rd_kafka_error_string(error) + ")";
  if (rd_kafka_error_txn_requires_abort(error)) msg += "; the transaction must be aborted";
  if (rd_kafka_error_is_fatal(error)) msg += "; the producer is fenced or failed for good";
  rd_kafka_error_destroy(error);
  throw KafkaError(msg, code);
}

}  // namespace

KafkaProducer::KafkaProducer(const KafkaProperties& properties) {
  if (auto it = properties.find("transactional.id"); it != properties.end()) transactional_id_ = it->second;
  client_ = KafkaClient::create(KafkaClientKind::kProducer, properties, [this](rd_kafka_conf_s* conf) {
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(
        conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) { on_delivery(rk, m, opaque); });
  });
}

KafkaProducer::~KafkaProducer() {
  if (in_transaction_) {
    if (rd_kafka_error_t* e = rd_kafka_abort_transaction(client_->handle(), 5000)) rd_kafka_error_destroy(e);
  }
  // Serve outstanding delivery callbacks before the client goes; a producer destroyed with records in flight
  // (after a failure) drops them, which is what an aborted transaction or a failed task wants.
  rd_kafka_poll(client_->handle(), 0);
}

void KafkaProducer::on_delivery(rd_kafka_s* rk, const void* message, void* opaque) {
  const auto* m = static_cast<const rd_kafka_message_t*>(message);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* self = static_cast<KafkaProducer*>(opaque);
  std::lock_guard lock(self->mu_);
  if (!self->first_failure_.empty()) return;
  self->failure_code_ = m->err;
  self->first_failure_ = "delivery of a record to " +
                         describe_partition(rd_kafka_topic_name(m->rkt), m->partition) + " on " +
                         self->client_->where() + " failed (" + kafka_error_detail(m->err) + ")";
}

void KafkaProducer::throw_delivery_failure() {
  std::lock_guard lock(mu_);
  if (!first_failure_.empty()) throw KafkaError(first_failure_, failure_code_);
}

void KafkaProducer::produce(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
                            std::string_view value, int64_t timestamp_ms) {
  rd_kafka_t* rk = client_->handle();
  void* key_data = key ? const_cast<char*>(key->data()) : nullptr;
  size_t key_size = key ? key->size() : 0;
  int32_t target = partition < 0 ? RD_KAFKA_PARTITION_UA : partition;
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(target), RD_KAFKA_V_KEY(key_data, key_size),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 10);  // serves delivery reports, which is what frees the queue
      continue;
    }
    throw KafkaError("cannot produce to " + describe_partition(topic, partition) + " on " + client_->where() +
                         " (" + kafka_error_detail(e) + ")",
                     e);
  }
  rd_kafka_poll(rk, 0);
}

void KafkaProducer::flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t e = rd_kafka_flush(client_->handle(), static_cast<int>(timeout.count()));
  throw_delivery_failure();
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError(std::to_string(rd_kafka_outq_len(client_->handle())) + " records not acknowledged by " +
                         client_->where() + " within " + std::to_string(timeout.count()) + " ms (" +
                         kafka_error_detail(e) + ")",
                     e);
}

void KafkaProducer::init_transactions(std::chrono::milliseconds timeout) {
  check(rd_kafka_init_transactions(client_->handle(), static_cast<int>(timeout.count())), "init_transactions",
        *client_, transactional_id_);
}

void KafkaProducer::begin_transaction() {
  check(rd_kafka_begin_transaction(client_->handle()), "begin_transaction", *client_, transactional_id_);
  in_transaction_ = true;
}

void KafkaProducer::send_offsets_to_transaction(const std::string& group_id,
                                                const std::map<TopicPartition, int64_t>& offsets,
                                                std::chrono::milliseconds timeout) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [tp, offset] : offsets)
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition)->offset = offset;
  rd_kafka_consumer_group_metadata_t* group = rd_kafka_consumer_group_metadata_new(group_id.c_str());
  rd_kafka_error_t* error =
      rd_kafka_send_offsets_to_transaction(client_->handle(), list, group, static_cast<int>(timeout.count()));
  rd_kafka_consumer_group_metadata_destroy(group);
  rd_kafka_topic_partition_list_destroy(list);
  check(error, "send_offsets_to_transaction (group '" + group_id + "')", *client_, transactional_id_);
}

void KafkaProducer::commit_transaction(std::chrono::milliseconds timeout) {
  rd_kafka_error_t* error = rd_kafka_commit_transaction(client_->handle(), static_cast<int>(timeout.count()));
  if (!error) in_transaction_ = false;
  throw_delivery_failure();
  check(error, "commit_transaction", *client_, transactional_id_);
}

void KafkaProducer::abort_transaction(std::chrono::milliseconds timeout) {
  rd_kafka_error_t* error = rd_kafka_abort_transaction(client_->handle(), static_cast<int>(timeout.count()));
  if (!error) in_transaction_ = false;
  check(error, "abort_transaction", *client_, transactional_id_);
}

}  // namespace weir::kafka
