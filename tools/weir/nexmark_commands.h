#pragma once
// `weir nexmark-gen` (the generator's events as JSON lines, or records of a Kafka topic) and `weir nexmark`
// (run queries and print RESULT lines). main.cc registers them and dispatches.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "nexmark_args.h"

namespace weir::cli {

struct NexmarkCommands : NexmarkRunArgs {
  CLI::App* gen_cmd = nullptr;
  CLI::App* run_cmd = nullptr;
  NexmarkGeneratorArgs gen;
  std::string gen_sink = "stdout";  //!< nexmark-gen: stdout or kafka:TOPIC
  NexmarkKafkaArgs gen_kafka;
  std::string jobmanager;  //!< run on this cluster (its REST HOST:PORT) instead of the MiniCluster
  bool detached = false;
};

void add_nexmark_commands(CLI::App& app, NexmarkCommands& c);
//! Runs whichever of the two commands was parsed; returns false when neither was.
bool run_nexmark_commands(const NexmarkCommands& c, int& exit_code);

}  // namespace weir::cli
