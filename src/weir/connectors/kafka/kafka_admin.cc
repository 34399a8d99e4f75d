#include "weir/connectors/kafka/kafka_admin.h"

#include <librdkafka/rdkafka.h>

#include <functional>
#include <map>
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

// An admin result event, destroyed with its owner.
struct EventDeleter {
  void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
};
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// Sends an admin request through `send` (given the options and a reply queue) and returns its result event; a
// KafkaError when none came within `timeout` or the request as a whole failed.
Event admin_request(const KafkaClient& client, rd_kafka_admin_op_t op, const char* request,
                    std::chrono::milliseconds timeout,
                    const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& send) {
  auto deadline = Clock::now() + timeout;
  char err[512];
  rd_kafka_t* rk = client.handle();
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, op);
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), err, sizeof err);
  send(options, queue);
  rd_kafka_AdminOptions_destroy(options);
  Event ev(await_result(queue, deadline));
  rd_kafka_queue_destroy(queue);
  if (!ev)
    throw KafkaError(client.where() + " did not answer a " + request + " request within " +
                         std::to_string(timeout.count()) + " ms",
                     RD_KAFKA_RESP_ERR__TIMED_OUT);
  if (rd_kafka_resp_err_t e = rd_kafka_event_error(ev.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError(std::string(request) + " on " + client.where() + " failed (" + kafka_error_name(e) +
                         ": " + rd_kafka_event_error_string(ev.get()) + ")",
                     e);
  return ev;
}

// Waits until the cluster's metadata satisfies `done` (metadata has no notification: polled).
void await_metadata(const KafkaClient& client, Clock::time_point deadline,
                    const std::function<bool(const std::map<std::string, int32_t>&)>& done,
                    const std::string& what) {
  for (;;) {
    if (done(client.list_topics(std::chrono::milliseconds(std::max(remaining_ms(deadline), 1))))) return;
    if (Clock::now() >= deadline) throw KafkaError(what + " on " + client.where() + " in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
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
  Event ev;
  try {
    ev = admin_request(*client_, RD_KAFKA_ADMIN_OP_CREATETOPICS, "CreateTopics", timeout,
                       [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                         rd_kafka_CreateTopics(client_->handle(), specs.data(), specs.size(), options, queue);
                       });
  } catch (...) {
    free_specs();
    throw;
  }
  free_specs();
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  check_topic_results(results, n, "create", *client_, RD_KAFKA_RESP_ERR_NO_ERROR);
  // The controller has committed the topics; wait until the brokers' metadata serves them too.
  await_metadata(
      *client_, deadline,
      [&](const std::map<std::string, int32_t>& listed) {
        for (const auto& t : topics)
          if (auto it = listed.find(t.name); it == listed.end() || it->second != t.partitions) return false;
        return true;
      },
      "created topics did not appear in the metadata");
}

void KafkaAdmin::delete_topics(const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::vector<rd_kafka_DeleteTopic_t*> specs;
  for (const auto& t : topics) specs.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  Event ev;
  try {
    ev = admin_request(*client_, RD_KAFKA_ADMIN_OP_DELETETOPICS, "DeleteTopics", timeout,
                       [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                         rd_kafka_DeleteTopics(client_->handle(), specs.data(), specs.size(), options, queue);
                       });
  } catch (...) {
    for (auto* s : specs) rd_kafka_DeleteTopic_destroy(s);
    throw;
  }
  for (auto* s : specs) rd_kafka_DeleteTopic_destroy(s);
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &n);
  check_topic_results(results, n, "delete", *client_, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  await_metadata(
      *client_, deadline,
      [&](const std::map<std::string, int32_t>& listed) {
        for (const auto& t : topics)
          if (listed.count(t)) return false;
        return true;
      },
      "deleted topics were still listed");
}

void KafkaAdmin::create_partitions(const std::string& topic, int32_t total_partitions,
                                   std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char err[512];
  rd_kafka_NewPartitions_t* spec =
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total_partitions), err, sizeof err);
  if (!spec) throw KafkaError("cannot add partitions to topic '" + topic + "': " + err);
  Event ev;
  try {
    ev = admin_request(*client_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, "CreatePartitions", timeout,
                       [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                         rd_kafka_CreatePartitions(client_->handle(), &spec, 1, options, queue);
                       });
  } catch (...) {
    rd_kafka_NewPartitions_destroy(spec);
    throw;
  }
  rd_kafka_NewPartitions_destroy(spec);
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev.get()), &n);
  check_topic_results(results, n, "add partitions to", *client_, RD_KAFKA_RESP_ERR_NO_ERROR);
  await_metadata(
      *client_, deadline,
      [&](const std::map<std::string, int32_t>& listed) {
        auto it = listed.find(topic);
        return it != listed.end() && it->second >= total_partitions;
      },
      "added partitions did not appear in the metadata");
}

}  // namespace weir::kafka
