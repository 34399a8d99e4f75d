#pragma once
// Helpers of the Kafka tests (one binary, tests/kafka/*_test.cc, one broker: main.cc registers
// KafkaEnvironment).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "it/it_support.h"
#include "support/gated_source.h"
#include "support/kafka_server.h"
#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_producer.h"
#include "weir/connectors/kafka/kafka_sink.h"
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

//! Every value of `produced`, as a multiset (what an exactly-once output must equal).
inline std::multiset<std::string> values_of(const Produced& produced) {
  std::multiset<std::string> out;
  for (const auto& [p, values] : produced) out.insert(values.begin(), values.end());
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

//! A sink of strings into `topic`, values as they are.
inline kafka::KafkaSinkBuilder<std::string> string_sink(const std::string& topic) {
  return kafka::KafkaSink<std::string>::builder()
      .set_bootstrap_servers(servers())
      .set_topic(topic)
      .set_value_serializer([](const std::string& v) { return v; });
}

//! Checkpoints every `interval` into `dir` and, with `attempts` > 0, restarts after failures (fixed delay).
inline void enable_recovery(StreamExecutionEnvironment& env, const std::filesystem::path& dir,
                            const std::string& interval, int attempts = 0,
                            const std::string& delay = "0 ms") {
  env.configure("execution.checkpointing.interval", interval);
  env.configure("execution.checkpointing.dir", dir.string());
  if (attempts <= 0) return;
  env.configure("restart-strategy.type", "fixed-delay");
  env.configure("restart-strategy.fixed-delay.attempts", std::to_string(attempts));
  env.configure("restart-strategy.fixed-delay.delay", delay);
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

// ---- failures at chosen points of a running job ----

//! What FailWhenArmed instances share with the test.
struct FailureSwitch {
  std::atomic<int64_t> last_checkpoint{0};  //!< the highest checkpoint id any instance saw complete
  std::atomic<int> armed{0};                //!< failures still to throw, each on the next record
  std::atomic<int> injected{0};
  void arm() { armed.fetch_add(1); }
};

//! Passes records through; throws on the next record after the test armed a failure (once per arming), and
//! reports completed checkpoints.
class FailWhenArmed : public MapFunction<std::string, std::string>, public CheckpointListener {
 public:
  explicit FailWhenArmed(std::shared_ptr<FailureSwitch> sw) : sw_(std::move(sw)) {}
  void notify_checkpoint_complete(int64_t id) override {
    int64_t seen = sw_->last_checkpoint.load();
    while (id > seen && !sw_->last_checkpoint.compare_exchange_weak(seen, id)) {
    }
  }
  std::string map(const std::string& v) override {
    int a = sw_->armed.load();
    while (a > 0 && !sw_->armed.compare_exchange_weak(a, a - 1)) {
    }
    if (a > 0) {
      sw_->injected.fetch_add(1);
      throw std::runtime_error("injected failure");
    }
    return v;
  }

 private:
  std::shared_ptr<FailureSwitch> sw_;
};

//! Waits (a hang guard of 30 s) until the gated source emitted all the gate allows.
inline void await_gate(const weir::testing::SourceGate& gate) {
  ASSERT_TRUE(weir::testing::eventually([&] { return gate.passed.load() >= gate.allowed.load(); }))
      << "the source stopped at " << gate.passed.load() << " of " << gate.allowed.load() << " records";
}

//! Drives a job whose source is behind `gate` and whose map is a FailWhenArmed on `sw`: `failures` times,
//! lets `step` more records through, waits until they were emitted and two more checkpoints completed (so
//! one covers some of them), arms a failure and lets `step` more through, so it lands on a record in the
//! middle of the run, never after the input; then (with `open_rest`) opens the gate for the rest.
inline void fail_mid_run(weir::testing::SourceGate& gate, FailureSwitch& sw, int failures, int64_t step,
                         bool open_rest = true) {
  for (int i = 0; i < failures; ++i) {
    gate.open_by(step);
    await_gate(gate);
    int64_t checkpoint = sw.last_checkpoint.load();
    ASSERT_TRUE(weir::testing::eventually([&] { return sw.last_checkpoint.load() >= checkpoint + 2; }))
        << "no checkpoint completed";
    int before = sw.injected.load();
    sw.arm();
    gate.open_by(step);
    ASSERT_TRUE(weir::testing::eventually([&] { return sw.injected.load() > before; }))
        << "the failure never fired";
  }
  if (open_rest) gate.open_fully();
}

}  // namespace weir::kafka_test
