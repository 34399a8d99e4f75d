#include "kafka_commands.h"

#include <chrono>
#include <cstdio>
#include <map>

#include "weir/common/error.h"
#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_error.h"

namespace weir::cli {
namespace {

int read_topic(const KafkaReadCommand& c) {
  using Clock = std::chrono::steady_clock;
  const std::chrono::milliseconds timeout(c.timeout_ms);
  kafka::KafkaConsumer consumer({{"bootstrap.servers", c.bootstrap_servers},
                                 {"group.id", "weir-kafka-read"},
                                 {"client.id", "weir-kafka-read"},
                                 {"isolation.level", c.isolation}});
  const int32_t partitions = consumer.client().partition_count(c.topic, timeout);
  std::map<kafka::TopicPartition, int64_t> start;
  std::map<kafka::TopicPartition, int64_t> end;
  for (int32_t p = 0; p < partitions; ++p) {
    kafka::TopicPartition tp{c.topic, p};
    auto [low, high] = consumer.watermark_offsets(tp, timeout);
    if (low < high) {
      start[tp] = low;
      end[tp] = high;
    }
  }
  if (!start.empty()) consumer.assign(start);
  std::string buf;
  auto last_progress = Clock::now();
  while (!end.empty()) {
    auto m = consumer.poll(std::chrono::milliseconds(100));
    if (!m) {
      if (Clock::now() - last_progress > timeout)
        throw kafka::KafkaError("kafka-read: no record of topic '" + c.topic + "' came from " +
                                consumer.client().where() + " within " + std::to_string(c.timeout_ms) +
                                " ms; " + std::to_string(end.size()) + " partitions not read to their end");
      continue;
    }
    last_progress = Clock::now();
    if (m->error() != 0 && !m->partition_eof())
      throw kafka::KafkaError("kafka-read: topic '" + c.topic + "' on " + consumer.client().where() + ": " +
                                  m->error_text() + " (" + kafka::kafka_error_name(m->error()) + ")",
                              m->error());
    auto it = end.find({m->topic(), m->partition()});
    if (it == end.end()) continue;
    if (m->partition_eof()) {
      if (m->offset() >= it->second) end.erase(it);
      continue;
    }
    if (m->offset() >= it->second) {
      end.erase(it);
      continue;
    }
    buf.append(m->view().value);
    buf += '\n';
    if (m->offset() + 1 >= it->second) end.erase(it);
    if (buf.size() >= (1 << 20)) {
      if (std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size())
        throw WeirError("kafka-read: cannot write to stdout");
      buf.clear();
    }
  }
  if (std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size() || std::fflush(stdout) != 0)
    throw WeirError("kafka-read: cannot write to stdout");
  return 0;
}

}  // namespace

void add_kafka_read_command(CLI::App& app, KafkaReadCommand& c) {
  c.cmd = app.add_subcommand(
      "kafka-read", "Print a topic's record values, one per line, up to its end offsets at the start");
  c.cmd->group("");  // hidden: a tool for tests and scripts
  c.cmd->add_option("--bootstrap-servers", c.bootstrap_servers, "Kafka brokers HOST:PORT[,...]")->required();
  c.cmd->add_option("--topic", c.topic, "The topic to read")->required();
  c.cmd->add_option("--isolation", c.isolation, "read_committed or read_uncommitted")
      ->capture_default_str()
      ->check(CLI::IsMember({"read_committed", "read_uncommitted"}));
  c.cmd->add_option("--kafka-timeout-ms", c.timeout_ms, "Fail when the brokers say nothing for this long")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

bool run_kafka_read_command(const KafkaReadCommand& c, int& exit_code) {
  if (!c.cmd || !*c.cmd) return false;
  exit_code = read_topic(c);
  return true;
}

}  // namespace weir::cli
