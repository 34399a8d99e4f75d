#pragma once
// `weir kafka-read` (hidden; tests and scripts): prints the values of a topic's records, one per line, from
// the earliest offsets up to the end offsets when it starts, as a read_committed (default) or
// read_uncommitted consumer sees them. main.cc registers it and dispatches.
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace weir::cli {

struct KafkaReadCommand {
  CLI::App* cmd = nullptr;
  std::string bootstrap_servers;
  std::string topic;
  std::string isolation = "read_committed";
  int64_t timeout_ms = 30000;
};

void add_kafka_read_command(CLI::App& app, KafkaReadCommand& c);
//! Runs the command when it was parsed; returns false when it was not.
bool run_kafka_read_command(const KafkaReadCommand& c, int& exit_code);

}  // namespace weir::cli
