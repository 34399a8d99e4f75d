#pragma once
// How queries reach Kafka without this module linking librdkafka: the process installs the Kafka event
// source and line sink (weir_nexmark_kafka, nexmark/kafka/nexmark_kafka.h) at start, and a query whose
// SourceSpec or SinkSpec is kafka: builds through them. Processes without Kafka (tests, benchmarks) leave it
// out, and such a query is then a ConfigError saying so.
//
// A job library (libweir_nexmark_job.so) calls kafka_io() too: it binds to the registry of the process that
// loads it (the `weir` JobManager or TaskManager), which installed its Kafka support in main.
//
// Threading: install once, before any job is built; kafka_io() is then read-only.
#include <functional>
#include <string>

#include "weir/api/data_stream.h"
#include "weir/connectors/nexmark/model.h"
#include "weir/nexmark/query_options.h"

namespace weir::nexmark {

struct KafkaIo {
  //! The events of o.source's topic with timestamps (dateTime) and watermarks, paced and hooked as
  //! o.tps and o.source_hooks say.
  std::function<DataStream<connectors::nexmark::Event>(StreamExecutionEnvironment&, const QueryOptions&)>
      events;
  //! Ends `lines` (one JSON object each) in o.sink's topic under o.kafka's delivery guarantee.
  std::function<void(DataStream<std::string>, const QueryOptions&, const std::string& query)> write_lines;
};

void install_kafka_io(KafkaIo io);
//! The installed Kafka support; a ConfigError when this process has none.
const KafkaIo& kafka_io();

}  // namespace weir::nexmark
