// The broker goes away and comes back while a source reads: the source waits (librdkafka reconnects), then
// goes on from where it was, so every record is read exactly once. And while an exactly-once job runs: it
// waits or fails and recovers, and a read_committed consumer sees every record once.
#include <atomic>
#include <set>

#include "it/it_support.h"
#include "kafka/kafka_test_support.h"
#include "weir/connectors/kafka/kafka_sink.h"

namespace weir::kafka_test {
namespace {

using kafka::DeliveryGuarantee;
using kafka::KafkaSink;

TEST(KafkaBrokerRestart, ASourceWaitsThroughABrokerRestartAndLosesNothing) {
  std::string topic = fresh_topic(2);
  Produced before = produce(topic, 2, 200);
  // Bounded beyond what exists now: the rest is produced after the restart, so the source has to fetch it
  // from the restarted broker (it cannot have it prefetched).
  auto source =
      string_source(topic)
          .set_bounded(OffsetsInitializer::offsets({{{topic, 0}, 200}, {{topic, 1}, 200}}))
          .set_property("reconnect.backoff.max.ms", "200")  // retry the broker soon after it is back
          .build();
  Subtask task(source, 0, 1);
  task.read(150);
  KafkaEnvironment::server().restart();  // a clean shutdown, then the same broker on the same port
  Produced after = produce(topic, 2, 200, 200);
  EXPECT_EQ(task.read_to_end(), InputStatus::kEndOfInput);
  std::vector<std::string> all;
  for (const auto* part : {&before, &after})
    for (const auto& [p, values] : *part) all.insert(all.end(), values.begin(), values.end());
  EXPECT_EQ(sorted(task.capture.values), sorted(all));
}

TEST(KafkaBrokerRestart, AnExactlyOnceJobGoesOnThroughABrokerRestartWithNothingLostOrRepeated) {
  const int n = 6000;
  std::string in = fresh_topic(2), out = fresh_topic(2);
  Produced produced = produce(in, 2, n);
  std::multiset<std::string> want = values_of(produced);
  weir::testing::TempDir checkpoints;
  auto gate = std::make_shared<weir::testing::SourceGate>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  enable_recovery(*env, checkpoints.path, "50 ms", 50, "200 ms");
  auto source = string_source(in)
                    .set_bounded(OffsetsInitializer::latest())
                    .set_property("reconnect.backoff.max.ms", "200")
                    .build();
  auto sink = string_sink(out)
                  .set_delivery_guarantee(DeliveryGuarantee::kExactlyOnce)
                  .set_transactional_id_prefix("restart-" + out)
                  .set_property("reconnect.backoff.max.ms", "200")
                  .set_client_timeout(10s)
                  .build();
  env->from_source<std::string>(weir::testing::gated(source.reader_factory(), gate), "Kafka")
      .add_sink(sink, "Kafka EOS");
  // A third of the input goes through, the broker restarts, then the rest: the restart is mid-run.
  gate->open_by(n / 3);
  auto client = env->execute_async("exactly once through a broker restart");
  await_gate(*gate);
  KafkaEnvironment::server().restart();
  gate->open_fully();
  client.get_job_execution_result();
  auto got = as_multiset(read_topic(out, 2));
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "read_committed output lost or repeated records across the broker restart";
}

}  // namespace
}  // namespace weir::kafka_test
