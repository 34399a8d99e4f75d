// KafkaSink against a real broker: at least once writes every record; exactly once, a read_committed consumer
// sees every result exactly once although tasks fail at random moments and, the hard case, between a
// checkpoint's completion and its transaction's commit (failure point kafka.sink.before-commit).
#include <atomic>
#include <set>

#include "it/it_support.h"
#include "kafka/kafka_test_support.h"
#include "weir/common/failure_points.h"
#include "weir/connectors/kafka/kafka_sink.h"

namespace weir::kafka_test {
namespace {

using kafka::DeliveryGuarantee;
using kafka::KafkaSink;

TEST(KafkaSink, AtLeastOnceWritesEveryRecordKeyedToItsPartition) {
  std::string topic = fresh_topic(3);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  auto sink = KafkaSink<int64_t>::builder()
                  .set_bootstrap_servers(servers())
                  .set_topic(topic)
                  .set_key_serializer([](const int64_t& v) { return std::to_string(v % 7); })
                  .set_value_serializer([](const int64_t& v) { return std::to_string(v); })
                  .set_partitioner([](const int64_t& v, int32_t partitions) {
                    return static_cast<int32_t>(v % partitions);
                  })
                  .set_delivery_guarantee(DeliveryGuarantee::kAtLeastOnce)
                  .build();
  env->from_sequence(0, 2999).add_sink(sink, "Kafka");
  env->execute("to kafka, at least once");

  std::multiset<std::string> want;
  for (int i = 0; i < 3000; ++i) want.insert(std::to_string(i));
  EXPECT_TRUE(as_multiset(read_topic(topic, 3)) == want);
  // The partitioner put v into partition v % 3.
  auto partition1 =
      KafkaSource<std::string>::builder()
          .set_bootstrap_servers(servers())
          .set_topics({topic})
          .set_deserializer(KafkaDeserializers::utf8_string())
          .set_starting_offsets(OffsetsInitializer::offsets({{{topic, 1}, 0}}, OffsetResetStrategy::kLatest))
          .set_bounded(OffsetsInitializer::latest())
          .build();
  auto env2 = StreamExecutionEnvironment::get_execution_environment();
  auto got = env2->from_source<std::string>(partition1.reader_factory(), "Kafka").execute_and_collect();
  ASSERT_EQ(got.size(), 1000u);
  for (const auto& v : got) EXPECT_EQ(std::stoll(v) % 3, 1) << v;
}

// At least once through failures: every input's result is there (a replay may repeat some).
TEST(KafkaSink, AtLeastOnceLosesNothingThroughFailures) {
  const int n = 3000;
  std::string in = fresh_topic(2), out = fresh_topic(2);
  Produced produced = produce(in, 2, n);
  weir::testing::TempDir checkpoints;
  auto gate = std::make_shared<weir::testing::SourceGate>();
  auto failures = std::make_shared<FailureSwitch>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  enable_recovery(*env, checkpoints.path, "40 ms", 10);
  auto source = string_source(in).set_bounded(OffsetsInitializer::latest()).build();
  auto sink = string_sink(out).set_delivery_guarantee(DeliveryGuarantee::kAtLeastOnce).build();
  env->from_source<std::string>(weir::testing::gated(source.reader_factory(), gate), "Kafka")
      .map(FailWhenArmed(failures), "Failing Map")
      .add_sink(sink, "Kafka ALO");
  auto client = env->execute_async("kafka -> kafka, at least once");
  fail_mid_run(*gate, *failures, 2, 500);
  client.get_job_execution_result();
  EXPECT_EQ(failures->injected.load(), 2);
  auto got = as_multiset(read_topic(out, 2));
  for (const auto& [p, values] : produced)
    for (const auto& v : values) EXPECT_GE(got.count(v), 1u) << v << " was lost";
}

struct Sum {
  int64_t key = 0;
  int64_t sum = 0;
  int64_t count = 0;
};
WEIR_STRUCT(Sum, key, sum, count)

// The pipeline: a topic of several partitions -> a keyed running sum -> a topic, exactly once, with
// task failures at random moments and one between a checkpoint's completion and its commit. Record i goes to
// partition i % 4 and has key i % 4, so each key's inputs come in one order and its running sums are
// determined: the reference is computed here, without Weir.
TEST(KafkaSink, ExactlyOnceKeyedAggregationSurvivesFailuresInTheCommitWindow) {
  const int n = 6000;
  std::string in = fresh_topic(4);
  std::string out = fresh_topic(3);
  produce(in, 4, n);  // values "<in>-<i>"
  std::multiset<std::string> want;
  std::map<int64_t, Sum> running;
  for (int i = 0; i < n; ++i) {
    Sum& s = running[i % 4];
    s.key = i % 4;
    s.sum += i;
    s.count += 1;
    want.insert(kafka::KafkaSerializers::json<Sum>()(s));
  }

  weir::testing::TempDir checkpoints;
  auto gate = std::make_shared<weir::testing::SourceGate>();
  auto failures = std::make_shared<FailureSwitch>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  enable_recovery(*env, checkpoints.path, "40 ms", 20);
  auto source = string_source(in).set_bounded(OffsetsInitializer::latest()).build();
  auto sink = KafkaSink<Sum>::builder()
                  .set_bootstrap_servers(servers())
                  .set_topic(out)
                  .set_key_serializer([](const Sum& s) { return std::to_string(s.key); })
                  .set_value_serializer(kafka::KafkaSerializers::json<Sum>())
                  .set_delivery_guarantee(DeliveryGuarantee::kExactlyOnce)
                  .set_transactional_id_prefix("eos-" + out)
                  .build();
  std::string prefix = in + "-";
  env->from_source<std::string>(weir::testing::gated(source.reader_factory(), gate), "Kafka")
      .map(FailWhenArmed(failures), "Failing Map")
      .map([prefix](const std::string& v) {
        int64_t i = std::stoll(v.substr(prefix.size()));
        return Sum{i % 4, i, 1};
      })
      .key_by([](const Sum& s) { return s.key; })
      .reduce([](const Sum& a, const Sum& b) {
        return Sum{a.key, a.sum + b.sum, a.count + b.count};
      })
      .add_sink(sink, "Kafka EOS");
  // The 3rd commit with records fails after its checkpoint completed (the hard case), wherever it falls
  // among the two task failures; the rest of the input then goes in steps, each committed by a checkpoint.
  FailurePoints::arm("kafka.sink.before-commit", 3);
  auto client = env->execute_async("kafka -> keyed sum -> kafka, exactly once");
  fail_mid_run(*gate, *failures, 2, 1000, /*open_rest=*/false);
  for (int step = 0; step < 4; ++step) {
    gate->open_by(500);
    await_gate(*gate);
    int64_t checkpoint = failures->last_checkpoint.load();
    ASSERT_TRUE(
        weir::testing::eventually([&] { return failures->last_checkpoint.load() >= checkpoint + 2; }));
  }
  gate->open_fully();
  client.get_job_execution_result();
  int64_t commit_window_failures = FailurePoints::fired("kafka.sink.before-commit");
  FailurePoints::disarm_all();

  EXPECT_EQ(failures->injected.load(), 2);
  EXPECT_EQ(commit_window_failures, 1);
  auto got = as_multiset(read_topic(out, 3));
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "read_committed output differs from the reference (lost or duplicated results)";
  // The failure in the commit window left a pre-committed transaction behind, aborted on restore and written
  // again: read_uncommitted sees its records twice.
  EXPECT_GT(read_topic(out, 3, "read_uncommitted").size(), want.size());
}

// The hard case, as a crash: a subtask pre-committed checkpoint 1's transaction, the checkpoint completed,
// and the process died before the commit (its producer is left running with the transaction open: nothing
// aborts it). The restored subtask fences it, sees from the marker that checkpoint 1 is not committed, and
// commits its records again; a second restore from the same checkpoint commits nothing twice. Then the same
// at another parallelism: two old subtasks' open transactions, recovered by one new subtask.
TEST(KafkaSink, ARestoreCommitsWhatACrashInTheCommitWindowLeftUncommittedExactlyOnce) {
  std::string topic = fresh_topic(2);
  kafka::KafkaSinkSettings settings;
  settings.bootstrap_servers = servers();
  settings.delivery_guarantee = DeliveryGuarantee::kExactlyOnce;
  settings.transactional_id_prefix = "crash-" + topic;
  settings.marker_topic = topic;
  settings.checkpointing = true;
  settings.client_timeout = 20s;
  auto record = [&](const std::string& v) { return kafka::KafkaOutputRecord{topic, -1, v, v, 0}; };

  // Attempt 1, parallelism 2: both subtasks write and pre-commit checkpoint 1, then "die".
  std::vector<std::string> state;
  std::multiset<std::string> want;
  for (int s = 0; s < 2; ++s) {
    auto* crashed =
        new kafka::KafkaSinkWriter(settings, s, 2);  // never destroyed: a dead process aborts nothing
    crashed->start({});
    for (int i = 0; i < 10; ++i) {
      std::string v = "s" + std::to_string(s) + "-" + std::to_string(i);
      crashed->write(record(v));
      want.insert(v);
    }
    for (auto& e : crashed->snapshot(1)) state.push_back(e);
  }
  EXPECT_TRUE(read_topic(topic, 2).empty()) << "nothing is committed before the restore";

  // Restored at parallelism 1 from checkpoint 1: subtask 0 recovers both old subtasks.
  {
    kafka::KafkaSinkWriter restored(settings, 0, 1);
    restored.start(state);
  }
  EXPECT_TRUE(as_multiset(read_topic(topic, 2)) == want);
  // A second failure before the next checkpoint: restored from checkpoint 1 again, nothing is committed
  // twice.
  {
    kafka::KafkaSinkWriter again(settings, 0, 1);
    again.start(state);
    again.write(record("after"));
    auto next = again.snapshot(2);
    again.checkpoint_complete(2);
  }
  want.insert("after");
  EXPECT_TRUE(as_multiset(read_topic(topic, 2)) == want);
}

TEST(KafkaSink, AMissingTopicOrUnreachableBrokersFailTheJobNamingThem) {
  auto run = [](const std::string& servers, const std::string& topic) -> std::string {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(1);
    auto sink = KafkaSink<int64_t>::builder()
                    .set_bootstrap_servers(servers)
                    .set_topic(topic)
                    .set_value_serializer([](const int64_t& v) { return std::to_string(v); })
                    .set_property("log_level", "0")
                    .set_client_timeout(1500ms)
                    .build();
    env->from_sequence(0, 9).add_sink(sink, "Kafka");
    try {
      env->execute("sink error");
    } catch (const JobExecutionError& e) {
      return e.what();
    }
    return "the job succeeded";
  };
  EXPECT_CONTAINS(run(servers(), "no-such-output"),
                  "topic 'no-such-output' does not exist on Kafka brokers " + servers());
  EXPECT_CONTAINS(run("127.0.0.1:1", "t"),
                  "Kafka brokers 127.0.0.1:1 did not answer a metadata request within 1500 ms");
}

// Exactly once into two topics chosen per record; the commit markers live on a topic of their own.
TEST(KafkaSink, ExactlyOnceWithATopicSelectorWritesEachTopicItsRecords) {
  std::string even = fresh_topic(2), odd = fresh_topic(2), markers = fresh_topic(1);
  weir::testing::TempDir checkpoints;
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  enable_recovery(*env, checkpoints.path, "50 ms");
  auto sink = KafkaSink<int64_t>::builder()
                  .set_bootstrap_servers(servers())
                  .set_topic_selector([even, odd](const int64_t& v) { return v % 2 == 0 ? even : odd; })
                  .set_value_serializer([](const int64_t& v) { return std::to_string(v); })
                  .set_delivery_guarantee(DeliveryGuarantee::kExactlyOnce)
                  .set_transactional_id_prefix("selector-" + even)
                  .set_marker_topic(markers)
                  .build();
  env->from_sequence(0, 999).add_sink(sink, "Kafka");
  env->execute("selector");
  std::multiset<std::string> want_even, want_odd;
  for (int i = 0; i < 1000; ++i) (i % 2 == 0 ? want_even : want_odd).insert(std::to_string(i));
  EXPECT_TRUE(as_multiset(read_topic(even, 2)) == want_even);
  EXPECT_TRUE(as_multiset(read_topic(odd, 2)) == want_odd);
  EXPECT_TRUE(read_topic(markers, 1).empty()) << "markers are group offsets, not records";
}

TEST(KafkaSink, TheBuilderNamesWhatIsMissing) {
  auto expect_error = [](const kafka::KafkaSinkBuilder<int64_t>& b, const std::string& part) {
    try {
      b.build();
      ADD_FAILURE() << "built without " << part;
    } catch (const kafka::KafkaError& e) {
      EXPECT_CONTAINS(e.what(), part);
    }
  };
  auto b = KafkaSink<int64_t>::builder();
  expect_error(b, "no bootstrap servers");
  b.set_bootstrap_servers("127.0.0.1:9092");
  expect_error(b, "give either a topic (set_topic) or a topic selector");
  b.set_topic_selector([](const int64_t&) { return std::string("t"); });
  expect_error(b, "no value serializer");
  b.set_value_serializer([](const int64_t& v) { return std::to_string(v); });
  b.set_delivery_guarantee(DeliveryGuarantee::kExactlyOnce);
  expect_error(b, "exactly-once needs a transactional id prefix");
  b.set_transactional_id_prefix("job");
  expect_error(b, "needs a marker topic (set_marker_topic)");
}

}  // namespace
}  // namespace weir::kafka_test
