#pragma once
// Helpers of the Kafka tests (one binary, tests/kafka/*_test.cc, one broker: main.cc registers
// KafkaEnvironment).
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/kafka_server.h"
#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_producer.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/weir.h"

namespace weir::kafka_test {

using kafka::KafkaDeserializers;
using kafka::KafkaSource;
using kafka::OffsetResetStrategy;
using kafka::OffsetsInitializer;
using kafka::TopicPartition;
using testing::KafkaEnvironment;
using namespace std::chrono_literals;

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

inline std::string servers() {
  return KafkaEnvironment::server().bootstrap_servers();
}

// What the test produced: per partition, the values in offset order (a fresh topic's offsets start at 0, and
// an idempotent producer writes each record once and in order per partition, even when it retries: right
// after the broker starts, a first request may fail and be retried).
using Produced = std::map<int32_t, std::vector<std::string>>;

// Produces `count` records "<topic>-<i>" to a fresh topic of `partitions` partitions: record i goes to
// partition i % partitions with timestamp 1'000'000 + i.
inline Produced produce(const std::string& topic, int partitions, int count, int first = 0) {
  kafka::KafkaProducer producer(
      {{"bootstrap.servers", servers()}, {"linger.ms", "1"}, {"enable.idempotence", "true"}});
  Produced out;
  for (int i = first; i < first + count; ++i) {
    std::string value = topic + "-" + std::to_string(i);
    producer.produce(topic, i % partitions, std::to_string(i), value, 1'000'000 + i);
    out[i % partitions].push_back(value);
  }
  producer.flush(30s);
  return out;
}

inline std::string fresh_topic(int partitions) {
  static int n = 0;
  std::string name = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
                     std::to_string(n++);
  KafkaEnvironment::server().create_topic(name, partitions);
  return name;
}

inline kafka::KafkaSourceBuilder<std::string> string_source(const std::string& topic) {
  return KafkaSource<std::string>::builder()
      .set_bootstrap_servers(servers())
      .set_topics({topic})
      .set_deserializer(KafkaDeserializers::utf8_string())
      .set_client_timeout(10s);
}

inline std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Captures what a reader emits, for tests that drive readers directly (as the source operator would).
class CaptureOutput final : public runtime::Output<std::string> {
 public:
  void collect(const std::string& v, Timestamp ts) override {
    values.push_back(v);
    timestamps.push_back(ts);
  }
  void emit_watermark(Timestamp wm) override { watermarks.push_back(wm); }
  void emit_watermark_status(bool idle) override { idle_statuses.push_back(idle); }
  std::vector<std::string> values;
  std::vector<Timestamp> timestamps;
  std::vector<Timestamp> watermarks;
  std::vector<bool> idle_statuses;
};

// One source subtask driven by the test thread: open, optional restore, polls. `job` is every old subtask's
// splits (what the source operator gives restore_job_splits); by default `restore` alone.
struct Subtask {
  Subtask(const KafkaSource<std::string>& source, int index, int parallelism,
          const std::vector<std::string>* restore = nullptr, const std::vector<std::string>* job = nullptr)
      : reader(source.reader_factory()()), out(&capture) {
    reader->open({index, parallelism, nullptr});
    if (restore) {
      reader->restore_job_splits(job ? *job : *restore);
      reader->restore_splits(*restore);
    }
  }
  //! Polls until `n` more records came (or the end); a test failure after 30 s.
  InputStatus read(size_t n) {
    size_t want = capture.values.size() + n;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      size_t missing = want - capture.values.size();
      InputStatus s = reader->poll_next(out, static_cast<int>(std::min<size_t>(missing, 16)));
      if (s == InputStatus::kEndOfInput || capture.values.size() >= want) return s;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no end after 30 s with " << capture.values.size() << " records";
        return s;
      }
      if (s == InputStatus::kNothingAvailable) std::this_thread::sleep_for(5ms);  // the task's wait
    }
  }
  InputStatus read_to_end() { return read(size_t{1} << 40); }

  std::unique_ptr<SourceReader<std::string>> reader;
  CaptureOutput capture;
  SourceOutput<std::string> out;
};

inline std::multiset<std::string> as_multiset(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

//! Every record value in `topic` (all `partitions`), read from offset 0 to the end under `isolation`
//! ("read_committed" stops at the last stable offset and skips aborted records).
inline std::vector<std::string> read_topic(const std::string& topic, int partitions,
                                           const std::string& isolation = "read_committed") {
  kafka::KafkaConsumer consumer(
      {{"bootstrap.servers", servers()}, {"group.id", "reader"}, {"isolation.level", isolation}});
  std::map<TopicPartition, int64_t> start;
  for (int p = 0; p < partitions; ++p) start[{topic, p}] = 0;
  consumer.assign(start);
  std::vector<std::string> out;
  std::set<int32_t> ended;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (static_cast<int>(ended.size()) < partitions) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "reading " << topic << " did not reach the end in 30 s";
      break;
    }
    auto m = consumer.poll(100ms);
    if (!m) continue;
    if (m->partition_eof()) {
      ended.insert(m->partition());
    } else if (m->error() == 0) {
      out.emplace_back(m->view().value);
      ended.erase(m->partition());
    }
  }
  return out;
}

}  // namespace weir::kafka_test
