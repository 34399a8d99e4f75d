#pragma once
// The options of `weir nexmark` for one run, shared by the CLI (nexmark_commands.cc) and the Nexmark job
// library (tools/nexmark_job), which takes the same arguments: registration with CLI11 and their
// translation into configuration keys and QueryOptions.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "weir/common/config.h"
#include "weir/connectors/nexmark/generator_config.h"
#include "weir/nexmark/query_options.h"

namespace weir::cli {

struct NexmarkGeneratorArgs {
  int64_t events = 0;
  uint64_t seed = 0;
  int64_t rate = 0;
  int64_t base_time = 0;
  int64_t out_of_orderness_ms = 0;
};

//! The Kafka cluster of `--source kafka:TOPIC`, `--sink kafka:TOPIC` (and nexmark-gen's).
struct NexmarkKafkaArgs {
  std::string bootstrap_servers;
  int64_t timeout_ms = 30000;  //!< --kafka-timeout-ms: bounds requests to the brokers
};

struct NexmarkRunArgs {
  std::string query;
  NexmarkGeneratorArgs run_generator;
  int parallelism = 0;
  std::string source = "generator";  //!< generator or kafka:TOPIC
  std::string sink = "blackhole";
  NexmarkKafkaArgs kafka;
  std::string delivery_guarantee;  //!< a kafka: sink's; empty: none
  std::string transactional_id_prefix;
  double tps = 0;
  std::string side_input;  //!< q13's side input file; empty: Nexmark's default table
  std::vector<std::string> defines;
  // Fault tolerance (issue 4): checkpoints, injected failures, savepoints.
  std::string checkpoint_interval;  //!< DURATION text, e.g. "50ms"; empty: no periodic checkpoints
  std::string checkpoint_dir;       //!< empty: a fresh directory under the system temp directory
  int inject_failures = 0;
  std::string savepoint_dir;
  int64_t stop_with_savepoint_after_events = 0;
  bool drain = false;  //!< with --stop-with-savepoint-after-events: drain first (maximum watermark)
  std::string from_savepoint;
  bool allow_non_restored_state = false;
};

//! --events (required when `events_required`), --seed, --rate, --base-time, --out-of-orderness.
void add_generator_options(CLI::App* cmd, NexmarkGeneratorArgs& g, bool events_required = true);
//! --bootstrap-servers and --kafka-timeout-ms.
void add_kafka_options(CLI::App* cmd, NexmarkKafkaArgs& k);
connectors::nexmark::GeneratorConfig generator_config(const NexmarkGeneratorArgs& g);

//! Registers --query, the generator options, -p, --source, --sink, the Kafka options, --tps, -D and the
//! fault-tolerance options.
void add_nexmark_run_options(CLI::App* cmd, NexmarkRunArgs& a);

//! -D keys, -p, --checkpoint-interval and --checkpoint-dir as configuration on top of `base`; throws
//! ConfigError naming a bad flag.
Configuration nexmark_configuration(const NexmarkRunArgs& a, Configuration base = {});

//! Source, generator, pacing and sink of the run; throws ConfigError naming a bad --source, --sink, a missing
//! --events or --bootstrap-servers, or Kafka flags without a kafka: sink.
nexmark::QueryOptions nexmark_query_options(const NexmarkRunArgs& a);

}  // namespace weir::cli
