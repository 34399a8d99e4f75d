// KafkaSource against a real broker (tests/support/kafka_server.h, started once for this binary): bounded
// reads end exactly at the stop offsets, Kafka timestamps become event time, splits restored from a
// checkpoint (at the same or another parallelism) re-read nothing and skip nothing, completed checkpoints
// commit their offsets to the group, and bad input fails with an error naming the problem.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include "it/it_support.h"
#include "kafka/kafka_test_support.h"

namespace weir::kafka_test {
namespace {

TEST(KafkaSource, BoundedJobReadsExactlyTheRecordsBelowTheStopOffsetsWithKafkaTimestamps) {
  std::string topic = fresh_topic(4);
  Produced produced = produce(topic, 4, 200);
  std::map<TopicPartition, int64_t> stop = {
      {{topic, 0}, 10}, {{topic, 1}, 0}, {{topic, 2}, 50}, {{topic, 3}, 23}};
  std::vector<std::string> expected;
  for (const auto& [tp, offset] : stop)
    for (int64_t o = 0; o < offset; ++o) expected.push_back(produced[tp.partition][o]);

  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  auto source = string_source(topic).set_bounded(OffsetsInitializer::offsets(stop)).build();
  auto results = env->from_source<std::string>(source.reader_factory(), "Kafka").collect();
  env->execute("bounded kafka read");

  auto got = sorted(results->values());
  expected = sorted(expected);
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty() && extra.empty())
      << "missing " << ::testing::PrintToString(missing) << ", extra " << ::testing::PrintToString(extra);
  auto values = results->values();
  auto timestamps = results->timestamps();
  for (size_t i = 0; i < values.size(); ++i) {
    int n = std::stoi(values[i].substr(topic.size() + 1));
    EXPECT_EQ(timestamps[i], 1'000'000 + n) << values[i];
  }
}

TEST(KafkaSource, BoundedAtLatestStopsAtTheOffsetsOfItsStartAndStartsWhereTold) {
  std::string topic = fresh_topic(2);
  Produced first = produce(topic, 2, 40);
  auto source = string_source(topic)
                    .set_starting_offsets(
                        OffsetsInitializer::offsets({{{topic, 0}, 5}}, OffsetResetStrategy::kEarliest))
                    .set_bounded(OffsetsInitializer::latest())
                    .build();
  Subtask task(source, 0, 1);
  task.read(1);                 // sets the partitions up: the stop offsets are the ends as of now
  produce(topic, 2, 30, 1000);  // after the start: beyond the stop offsets
  EXPECT_EQ(task.read_to_end(), InputStatus::kEndOfInput);
  std::vector<std::string> expected(first[0].begin() + 5, first[0].end());
  expected.insert(expected.end(), first[1].begin(), first[1].end());
  EXPECT_EQ(sorted(task.capture.values), sorted(expected));
}

TEST(KafkaSource, RestoredSplitsReReadNothingAndSkipNothingAtAnotherParallelism) {
  std::string topic = fresh_topic(5);
  Produced produced = produce(topic, 5, 300);
  std::vector<std::string> all;
  for (const auto& [p, values] : produced) all.insert(all.end(), values.begin(), values.end());
  auto source = string_source(topic).set_bounded(OffsetsInitializer::latest()).build();

  // Two subtasks read part of their partitions, then checkpoint 7 is taken.
  std::vector<std::string> read_before;
  std::vector<std::vector<std::string>> checkpointed;  // splits of old subtask 0, then 1
  for (int i = 0; i < 2; ++i) {
    Subtask task(source, i, 2);
    task.read(40 + 20 * i);
    read_before.insert(read_before.end(), task.capture.values.begin(), task.capture.values.end());
    checkpointed.push_back(*task.reader->snapshot_splits_at(7));
  }
  // Restored at parallelism 3: the splits go round-robin as the source operator deals them.
  std::vector<std::vector<std::string>> restored(3);
  size_t n = 0;
  for (const auto& splits : checkpointed)
    for (const auto& s : splits) restored[n++ % 3].push_back(s);
  EXPECT_EQ(n, 5u) << "one split per partition";
  std::vector<std::string> read_after;
  for (int i = 0; i < 3; ++i) {
    Subtask task(source, i, 3, &restored[i]);
    EXPECT_EQ(task.read_to_end(), InputStatus::kEndOfInput);
    read_after.insert(read_after.end(), task.capture.values.begin(), task.capture.values.end());
  }
  EXPECT_EQ(read_before.size(), 100u);
  std::vector<std::string> together = read_before;
  together.insert(together.end(), read_after.begin(), read_after.end());
  EXPECT_EQ(sorted(together), sorted(all)) << "every record exactly once across the restore";
}

TEST(KafkaSource, AJobRestartedFromCheckpointsWritesEveryRecordExactlyOnce) {
  std::string topic = fresh_topic(4);
  Produced produced = produce(topic, 4, 12'000);
  std::multiset<std::string> want = values_of(produced);

  weir::testing::TempDir checkpoints, out;
  auto gate = std::make_shared<weir::testing::SourceGate>();
  auto failures = std::make_shared<FailureSwitch>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  enable_recovery(*env, checkpoints.path, "30 ms", 10);
  auto source = string_source(topic).set_bounded(OffsetsInitializer::latest()).build();
  env->from_source<std::string>(weir::testing::gated(source.reader_factory(), gate), "Kafka")
      .map(FailWhenArmed(failures), "Failing Map")
      .rebalance()
      .write_as_text(out.path.string());
  auto client = env->execute_async("kafka to files, exactly once");
  fail_mid_run(*gate, *failures, 2, 2000);
  client.get_job_execution_result();

  EXPECT_EQ(failures->injected.load(), 2);
  auto got = weir::testing::published_lines(out.path);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the published lines differ from the topic's records (lost or duplicated)";
}

// A job stopped with a savepoint at parallelism 2 and resumed from it at parallelism 3: the partitions move
// between subtasks, and the two runs together publish every record exactly once.
TEST(KafkaSource, ARescaledJobResumedFromASavepointReReadsNothingAndSkipsNothing) {
  std::string topic = fresh_topic(5);
  Produced produced = produce(topic, 5, 8000);
  std::multiset<std::string> want = values_of(produced);
  weir::testing::TempDir checkpoints, savepoints, out;
  auto source = string_source(topic).set_bounded(OffsetsInitializer::latest()).build();
  auto build = [&](StreamExecutionEnvironment& env, int parallelism,
                   std::shared_ptr<weir::testing::SourceGate> gate) {
    env.set_parallelism(parallelism);
    enable_recovery(env, checkpoints.path, "50 ms");
    env.from_source<std::string>(weir::testing::gated(source.reader_factory(), gate), "Kafka")
        .uid("kafka")
        .map([](const std::string& v) { return v; }, "Pass")
        .uid("count")
        .write_as_text(out.path.string());
  };
  std::string savepoint;
  {
    // The first run stops with a savepoint once 2000 records went through: the source holds the rest back.
    auto gate = std::make_shared<weir::testing::SourceGate>();
    gate->open_by(2000);
    auto env = StreamExecutionEnvironment::get_execution_environment();
    build(*env, 2, gate);
    auto client = env->execute_async("kafka at parallelism 2");
    await_gate(*gate);
    // A checkpoint published them (the file sink commits on completion; nothing notifies the test: polled).
    ASSERT_TRUE(
        weir::testing::eventually([&] { return weir::testing::published_lines(out.path).size() >= 2000; }));
    savepoint = client.stop_with_savepoint((savepoints.path / "sp").string(), false).get();
    client.get_job_execution_result();
  }
  size_t first_run = weir::testing::published_lines(out.path).size();
  EXPECT_GE(first_run, 2000u);
  EXPECT_LT(first_run, want.size());
  {
    auto gate = std::make_shared<weir::testing::SourceGate>();
    gate->open_fully();
    auto env = StreamExecutionEnvironment::get_execution_environment();
    build(*env, 3, gate);
    env->configure("execution.savepoint.path", savepoint);
    env->execute("kafka at parallelism 3");
  }
  auto got = weir::testing::published_lines(out.path);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the two runs together lost or repeated records";
}

TEST(KafkaSource, APatternReadsEveryMatchingTopicAndATimestampStartsAtTheFirstRecordAtOrAfterIt) {
  std::string a = fresh_topic(2), b = fresh_topic(1), other = fresh_topic(1);
  // fresh_topic names are "<test>-<n>": match a and b, not other, by their numbers.
  std::string prefix = a.substr(0, a.rfind('-') + 1);
  Produced pa = produce(a, 2, 20), pb = produce(b, 1, 10);
  produce(other, 1, 5);
  auto source =
      KafkaSource<std::string>::builder()
          .set_bootstrap_servers(servers())
          .set_topic_pattern(prefix + "(" + a.substr(prefix.size()) + "|" + b.substr(prefix.size()) + ")")
          .set_deserializer(KafkaDeserializers::utf8_string())
          .set_starting_offsets(OffsetsInitializer::timestamp(1'000'000 + 6))  // record i has 1'000'000 + i
          .set_bounded(OffsetsInitializer::latest())
          .build();
  Subtask task(source, 0, 1);
  EXPECT_EQ(task.read_to_end(), InputStatus::kEndOfInput);
  std::vector<std::string> want;
  for (const auto* produced : {&pa, &pb})
    for (const auto& [p, values] : *produced)
      for (const auto& v : values)
        if (std::stoi(v.substr(v.rfind('-') + 1)) >= 6) want.push_back(v);
  EXPECT_EQ(sorted(task.capture.values), sorted(want));
}

TEST(KafkaSource, CompletedCheckpointsCommitTheirOffsetsToTheGroup) {
  std::string topic = fresh_topic(2);
  produce(topic, 2, 60);
  std::string group = "group-" + topic;
  auto source = string_source(topic).set_group_id(group).build();  // unbounded
  Subtask task(source, 0, 1);
  task.read(25);
  task.reader->snapshot_splits_at(3);
  task.read(10);  // read after checkpoint 3: not part of what it commits
  task.reader->notify_checkpoint_complete(3);

  kafka::KafkaConsumer observer({{"bootstrap.servers", servers()}, {"group.id", group}});
  std::map<TopicPartition, int64_t> committed;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (committed.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    task.read(0);  // serves the consumer's commit callback
    committed = observer.committed({{topic, 0}, {topic, 1}}, 10s);
    if (committed.size() < 2) std::this_thread::sleep_for(50ms);  // the commit is asynchronous: poll
  }
  ASSERT_EQ(committed.size(), 2u);
  int64_t sum = committed[TopicPartition{topic, 0}] + committed[TopicPartition{topic, 1}];
  EXPECT_EQ(sum, 25);

  // A new job starting from the committed offsets reads the other 35.
  auto resumed = string_source(topic)
                     .set_group_id(group)
                     .set_starting_offsets(OffsetsInitializer::committed_offsets())
                     .set_bounded(OffsetsInitializer::latest())
                     .build();
  Subtask next(resumed, 0, 1);
  EXPECT_EQ(next.read_to_end(), InputStatus::kEndOfInput);
  EXPECT_EQ(next.capture.values.size(), 35u);
}

TEST(KafkaSource, CommittedOffsetsWithoutResetFailForAGroupThatHasNone) {
  std::string topic = fresh_topic(1);
  auto source = string_source(topic)
                    .set_group_id("never-committed")
                    .set_starting_offsets(OffsetsInitializer::committed_offsets(OffsetResetStrategy::kNone))
                    .build();
  Subtask task(source, 0, 1);
  try {
    task.read(1);
    FAIL() << "read without a committed offset";
  } catch (const kafka::KafkaError& e) {
    EXPECT_CONTAINS(e.what(),
                    "topic '" + topic + "' partition 0 has no committed offset for group 'never-committed'");
  }
}

TEST(KafkaSource, UnreachableBrokersFailTheJobAfterTheClientTimeout) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(1);
  auto source = KafkaSource<std::string>::builder()
                    .set_bootstrap_servers("127.0.0.1:1")
                    .set_topics({"anything"})
                    .set_deserializer(KafkaDeserializers::bytes())
                    .set_property("log_level", "0")
                    .set_client_timeout(1500ms)
                    .build();
  env->from_source<std::string>(source.reader_factory(), "Kafka").collect();
  auto started = std::chrono::steady_clock::now();
  try {
    env->execute("unreachable");
    FAIL() << "the job ran without brokers";
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "Kafka brokers 127.0.0.1:1 did not answer a metadata request within 1500 ms");
  }
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 1500ms);
  EXPECT_LT(took, 15s);
}

TEST(KafkaSource, AMissingTopicFailsTheJobNamingIt) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(1);
  auto source = string_source("no-such-topic").build();
  env->from_source<std::string>(source.reader_factory(), "Kafka").collect();
  try {
    env->execute("missing topic");
    FAIL() << "the job ran without its topic";
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "topic 'no-such-topic' does not exist on Kafka brokers " + servers());
  }
}

struct Order {
  int64_t id = 0;
  std::string item;
  double price = 0;
};
WEIR_STRUCT(Order, id, item, price)

TEST(KafkaSource, UndecodableRecordsFailNamingPartitionAndOffsetOrAreSkippedWhenAsked) {
  std::string topic = fresh_topic(2);
  {
    kafka::KafkaProducer producer({{"bootstrap.servers", servers()}, {"enable.idempotence", "true"}});
    for (int i = 0; i < 6; ++i)
      producer.produce(topic, 1, std::nullopt,
                       i == 4 ? std::string("{\"id\": 4, \"item\": \"broken\"")  // offset 4: cut short
                              : "{\"id\": " + std::to_string(i) + ", \"item\": \"x\", \"price\": 1.5}");
    producer.flush(30s);
  }
  auto builder = KafkaSource<Order>::builder()
                     .set_bootstrap_servers(servers())
                     .set_topics({topic})
                     .set_deserializer(KafkaDeserializers::json<Order>())
                     .set_bounded(OffsetsInitializer::latest());
  {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(1);
    env->from_source<Order>(builder.build().reader_factory(), "Orders").collect();
    try {
      env->execute("undecodable");
      FAIL() << "the job ran past an undecodable record";
    } catch (const JobExecutionError& e) {
      EXPECT_CONTAINS(e.what(),
                      "cannot deserialize the record at offset 4 of topic '" + topic + "' partition 1");
      EXPECT_CONTAINS(e.what(), "the value is not JSON");
    }
  }
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(1);
  auto results =
      env->from_source<Order>(builder.set_skip_undecodable(true).build().reader_factory(), "Orders")
          .map([](const Order& o) { return o.id; })
          .collect();
  env->execute("undecodable skipped");
  auto ids = results->values();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int64_t>{0, 1, 2, 3, 5}));
}

// A source task that found nothing waits up to 10 ms before it polls again; a record that arrives meanwhile
// wakes it (SourceContext::wake_task, from librdkafka's queue). Here the test thread is the task: it polls
// only when woken, so without the wake-up it never sees the record.
TEST(KafkaSource, ARecordThatArrivesWhileTheSubtaskWaitsWakesItsTask) {
  std::string topic = fresh_topic(1);
  auto source = string_source(topic).set_property("fetch.wait.max.ms", "10").build();
  std::mutex mu;
  std::condition_variable cv;
  int wakes = 0;
  auto reader = source.reader_factory()();
  CaptureOutput capture;
  SourceOutput<std::string> out(&capture);
  reader->open({0, 1, nullptr, [&] {
                  std::lock_guard lock(mu);
                  ++wakes;
                  cv.notify_all();
                }});
  ASSERT_EQ(reader->poll_next(out, 1000), InputStatus::kNothingAvailable);  // assigns; nothing to read
  int seen = 0;
  auto next_wake = [&] {
    std::unique_lock lock(mu);
    bool woken = cv.wait_for(lock, 10s, [&] { return wakes > seen; });
    seen = wakes;
    return woken;
  };
  produce(topic, 1, 1);
  while (capture.values.empty()) {
    ASSERT_TRUE(next_wake()) << "no wake-up within 10 s of the record's produce";
    (void)reader->poll_next(out, 1000);  // drains what is there, so the next arrival wakes again
  }
  EXPECT_EQ(capture.values, std::vector<std::string>{topic + "-0"});
  reader->close();
}

TEST(KafkaSource, TheBuilderNamesWhatIsMissing) {
  auto expect_error = [](const kafka::KafkaSourceBuilder<std::string>& b, const std::string& part) {
    try {
      b.build();
      ADD_FAILURE() << "built without " << part;
    } catch (const kafka::KafkaError& e) {
      EXPECT_CONTAINS(e.what(), part);
    }
  };
  auto b = KafkaSource<std::string>::builder();
  expect_error(b, "no bootstrap servers");
  b.set_bootstrap_servers("127.0.0.1:9092");
  expect_error(b, "give either topics (set_topics) or a topic pattern");
  b.set_topic_pattern("orders-(");
  expect_error(b, "the topic pattern 'orders-(' is not a regex");
  b.set_topic_pattern("orders-.*");
  expect_error(b, "no deserializer");
}

}  // namespace
}  // namespace weir::kafka_test
