#include "weir/nexmark/kafka_io.h"

#include "weir/common/error.h"

namespace weir::nexmark {
namespace {

KafkaIo& installed() {
  static KafkaIo io;
  return io;
}

}  // namespace

void install_kafka_io(KafkaIo io) {
  installed() = std::move(io);
}

const KafkaIo& kafka_io() {
  const KafkaIo& io = installed();
  if (!io.events || !io.write_lines)
    throw ConfigError(
        "this program was built without Kafka support for Nexmark (kafka: sources and sinks need the `weir` "
        "binary, which links weir_nexmark_kafka)");
  return io;
}

}  // namespace weir::nexmark
