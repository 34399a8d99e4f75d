#pragma once
// Nexmark over Kafka (as the Nexmark suite runs on Flink in its Kafka mode): `weir nexmark-gen --sink
// kafka:TOPIC` fills a topic with the generator's events as JSON (event_json.h), and queries read them back
// (`--source kafka:TOPIC`) and write their rows (`--sink kafka:TOPIC`) through the Kafka connector. This
// module links librdkafka; the queries reach it through the registry kafka_io.h, which
// install_nexmark_kafka() fills.
#include <chrono>
#include <cstdint>
#include <string>

#include "weir/connectors/nexmark/generator_config.h"
#include "weir/connectors/nexmark/model.h"

namespace weir::nexmark {

//! Makes kafka: sources and sinks of Nexmark queries available in this process (kafka_io.h). Call once in
//! main, before any job is built.
void install_nexmark_kafka();

//! The record key of an event in the topic: the auction id of a bid or an auction, the id of a person.
//! Every record of one auction therefore lands in one partition in generation order, so per-auction
//! updates (q17, q19) come out as they do from the generator source at parallelism 1.
std::string event_key(const connectors::nexmark::Event& e);

//! Writes the generator's events 0 .. config.events-1, one JSON object each keyed by event_key, into the
//! existing `topic` and waits until the brokers acknowledged them all (an idempotent producer keeps each
//! partition in generation order).
//! A KafkaError names a missing topic or brokers that did not answer within `timeout`.
void write_events_to_kafka(const connectors::nexmark::GeneratorConfig& config,
                           const std::string& bootstrap_servers, const std::string& topic,
                           std::chrono::milliseconds timeout);

//! The records between the earliest and the latest offsets of every partition of `topic` now (transaction
//! markers counted too): what a bounded read of the topic will see, give or take those markers. A KafkaError
//! names a missing topic or brokers that did not answer within `timeout`.
int64_t topic_record_count(const std::string& bootstrap_servers, const std::string& topic,
                           std::chrono::milliseconds timeout);

//! Checks that `topic` exists (a KafkaError names it, or the brokers that did not answer within `timeout`).
void check_topic_exists(const std::string& bootstrap_servers, const std::string& topic,
                        std::chrono::milliseconds timeout);

}  // namespace weir::nexmark
