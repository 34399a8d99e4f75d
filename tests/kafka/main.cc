// The Kafka tests' main: one real broker for the whole binary (tests/support/kafka_server.h).
#include <gtest/gtest.h>

#include "support/kafka_server.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::KafkaEnvironment);
  return RUN_ALL_TESTS();
}
