// The broker goes away and comes back while a source reads: the source waits (librdkafka reconnects), then
// goes on from where it was, so every record is read exactly once.
#include "kafka/kafka_test_support.h"

namespace weir::kafka_test {
namespace {

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

}  // namespace
}  // namespace weir::kafka_test
