#include "weir/connectors/kafka/kafka_admin.h"

#include <librdkafka/rdkafka.h>

#include <thread>

#include "weir/connectors/kafka/kafka_error.h"

namespace weir::kafka {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(left, 0));
}

// Waits for the admin result event on `queue`; nullptr when none came before the deadline.
rd_kafka_event_t* await_result(rd_kafka_queue_t* queue, Clock::time_point deadline) {
  for (;;) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, remaining_ms(deadline));
    if (!ev) return nullptr;
    if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_ERROR && rd_kafka_event_type(ev) != RD_KAFKA_EVENT_LOG)
      return ev;
    rd_kafka_event_destroy(ev);
    if (Clock::now() >= deadline) return nullptr;
  }
}

// Checks the per-topic results of a CreateTopics or DeleteTopics request; `ignore` is an error code that
// counts as success (TOPIC_ALREADY_EXISTS never is, UNKNOWN_TOPIC_OR_PART is for deletes).
void check_topic_results(const rd_kafka_topic_result_t** results, size_t n, const std::string& action,
                         const KafkaClient& client, rd_kafka_resp_err_t ignore) {
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == ignore) continue;
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    throw KafkaError("cannot " + action + " topic '" + rd_kafka_topic_result_name(results[i]) + "' on " +
                         client.where() + " (" + kafka_error_name(e) + ": " +
                         (msg ? msg : kafka_error_text(e)) + ")",
                     e);
  }
}

}  // namespace

KafkaAdmin::KafkaAdmin(const std::string& bootstrap_servers, KafkaProperties properties) {
  properties["bootstrap.servers"] = bootstrap_servers;
  client_ = KafkaClient::create(KafkaClientKind::kProducer, properties);
}

void KafkaAdmin::create_topics(const std::vector<NewTopic>& topics, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char err[512];
  std::vector<rd_kafka_NewTopic_t*> specs;
  auto free_specs = [&] {
    for (auto* s : specs) rd_kafka_NewTopic_destroy(s);
  };
  for (const auto& t : topics) {
    rd_kafka_NewTopic_t* s =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
    if (!s) {
      free_specs();
      throw KafkaError("cannot create topic '" + t.name + "': " + err);
    }
    specs.push_back(s);
    for (const auto& [k, v] : t.config) rd_kafka_NewTopic_set_config(s, k.c_str(), v.c_str());
  }
  rd_kafka_t* rk = client_->handle();
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), err, sizeof err);
  rd_kafka_CreateTopics(rk, specs.data(), specs.size(), options, queue);
  rd_kafka_AdminOptions_destroy(options);
  free_specs();
  rd_kafka_event_t* ev = await_result(queue, deadline);
  rd_kafka_queue_destroy(queue);
  if (!ev)
    throw KafkaError(client_->where() + " did not answer a CreateTopics request within " +
                         std::to_string(timeout.count()) + " ms",
                     RD_KAFKA_RESP_ERR__TIMED_OUT);
  if (rd_kafka_resp_err_t e = rd_kafka_event_error(ev); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string msg = rd_kafka_event_error_string(ev);
    rd_kafka_event_destroy(ev);
    throw KafkaError(
        "cannot create topics on " + client_->where() + " (" + kafka_error_name(e) + ": " + msg + ")", e);
  }
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  try {
    check_topic_results(results, n, "create", *client_, RD_KAFKA_RESP_ERR_NO_ERROR);
  } catch (...) {
    rd_kafka_event_destroy(ev);
    throw;
  }
  rd_kafka_event_destroy(ev);
  // The controller has committed the topics; wait until the brokers' metadata serves them too.
  for (;;) {
    auto listed = client_->list_topics(std::chrono::milliseconds(std::max(remaining_ms(deadline), 1)));
    bool all = true;
    for (const auto& t : topics) all = all && listed.count(t.name) && listed[t.name] == t.partitions;
    if (all) return;
    if (Clock::now() >= deadline)
      throw KafkaError("topics created on " + client_->where() + " did not appear in its metadata within " +
                       std::to_string(timeout.count()) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // metadata has no notification: poll
  }
}

void KafkaAdmin::delete_topics(const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char err[512];
  std::vector<rd_kafka_DeleteTopic_t*> specs;
  for (const auto& t : topics) specs.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  rd_kafka_t* rk = client_->handle();
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), err, sizeof err);
  rd_kafka_DeleteTopics(rk, specs.data(), specs.size(), options, queue);
  rd_kafka_AdminOptions_destroy(options);
  for (auto* s : specs) rd_kafka_DeleteTopic_destroy(s);
  rd_kafka_event_t* ev = await_result(queue, deadline);
  rd_kafka_queue_destroy(queue);
  if (!ev)
    throw KafkaError(client_->where() + " did not answer a DeleteTopics request within " +
                         std::to_string(timeout.count()) + " ms",
                     RD_KAFKA_RESP_ERR__TIMED_OUT);
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
  try {
    check_topic_results(results, n, "delete", *client_, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  } catch (...) {
    rd_kafka_event_destroy(ev);
    throw;
  }
  rd_kafka_event_destroy(ev);
  for (;;) {
    auto listed = client_->list_topics(std::chrono::milliseconds(std::max(remaining_ms(deadline), 1)));
    bool gone = true;
    for (const auto& t : topics) gone = gone && !listed.count(t);
    if (gone) return;
    if (Clock::now() >= deadline)
      throw KafkaError("deleted topics still listed by " + client_->where() + " after " +
                       std::to_string(timeout.count()) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // metadata has no notification: poll
  }
}

}  // namespace weir::kafka
