#include "nexmark_args.h"

#include "weir/common/error.h"
#include "weir/connectors/nexmark/generator.h"

namespace weir::cli {

namespace nx = connectors::nexmark;

void add_generator_options(CLI::App* cmd, NexmarkGeneratorArgs& g, bool events_required) {
  g.rate = nx::kDefaultRate;
  g.base_time = nx::kDefaultBaseTime;
  auto* events = cmd->add_option("--events", g.events,
                                 events_required ? "Number of events"
                                                 : "Number of events (with --source kafka:TOPIC: optional, "
                                                   "default the topic's record count)")
                     ->check(CLI::PositiveNumber);
  if (events_required) events->required();
  cmd->add_option("--seed", g.seed, "Seed: equal seeds give equal events")->capture_default_str();
  cmd->add_option("--rate", g.rate, "Events per second of event time")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--base-time", g.base_time, "Event time of the first event (epoch ms)")
      ->capture_default_str();
  cmd->add_option("--out-of-orderness", g.out_of_orderness_ms,
                  "Move each event's dateTime back by up to this many ms (watermarks allow for it)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

void add_kafka_options(CLI::App* cmd, NexmarkKafkaArgs& k) {
  cmd->add_option("--bootstrap-servers", k.bootstrap_servers,
                  "Kafka brokers HOST:PORT[,HOST:PORT...] of a kafka: source or sink");
  cmd->add_option("--kafka-timeout-ms", k.timeout_ms,
                  "How long requests to the Kafka brokers may take before the command or the job fails, "
                  "naming them")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

connectors::nexmark::GeneratorConfig generator_config(const NexmarkGeneratorArgs& g) {
  nx::GeneratorConfig c;
  c.seed = g.seed;
  c.events = g.events;
  c.rate = g.rate;
  c.base_time = g.base_time;
  c.out_of_orderness_ms = g.out_of_orderness_ms;
  return c;
}

void add_nexmark_run_options(CLI::App* cmd, NexmarkRunArgs& a) {
  cmd->add_option(
         "--query", a.query,
         "Query to run (q0, q1, ..., q22) or all; calibration: gen (the generator alone, no engine), "
         "passthrough (every event to a blackhole)")
      ->required();
  add_generator_options(cmd, a.run_generator, /*events_required=*/false);
  cmd->add_option("-p,--parallelism", a.parallelism, "Default parallelism of the job")
      ->check(CLI::Range(1, 32768));
  cmd->add_option("--source", a.source,
                  "generator (events made in the job), or kafka:TOPIC: the JSON events `weir nexmark-gen "
                  "--sink kafka:TOPIC` wrote, read up to the topic's end at the start (bounded)")
      ->capture_default_str();
  cmd->add_option("--sink", a.sink,
                  "blackhole, file:DIR for JSON lines in part files, or kafka:TOPIC for one JSON object per "
                  "record (an existing topic)")
      ->capture_default_str();
  add_kafka_options(cmd, a.kafka);
  cmd->add_option("--delivery-guarantee", a.delivery_guarantee,
                  "With --sink kafka:TOPIC: exactly-once (a Kafka transaction per checkpoint), at-least-once "
                  "(flush on every checkpoint) or none (default)");
  cmd->add_option(
      "--transactional-id-prefix", a.transactional_id_prefix,
      "With --delivery-guarantee exactly-once: the prefix of the sink's transactional ids, unique "
      "among jobs writing at the same time (default weir-nexmark-QUERY-TOPIC)");
  cmd->add_option("--tps", a.tps,
                  "Pace the source at this many events per wall-clock second in total (0: flat out)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--side-input", a.side_input,
                  "q13's side input: a CSV file of key,value rows (default: Nexmark's, keys 0..9999 with "
                  "their own text as value)");
  cmd->add_option("-D", a.defines,
                  "Configuration key=value (repeatable), e.g. -D state.backend.type=rocksdb");
  cmd->add_option("--checkpoint-interval", a.checkpoint_interval,
                  "Checkpoint every DURATION (e.g. 50ms, 1s): sets execution.checkpointing.interval");
  cmd->add_option(
      "--checkpoint-dir", a.checkpoint_dir,
      "Where checkpoints go (execution.checkpointing.dir); default with --checkpoint-interval: a new "
      "directory under the system temp directory, printed as CHECKPOINT_DIR path=...");
  cmd->add_option(
         "--inject-failures", a.inject_failures,
         "Fail a task K times at random moments of the run (seeded by --seed), each after a checkpoint "
         "completed; needs --checkpoint-interval")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--savepoint-dir", a.savepoint_dir,
                  "Where --stop-with-savepoint-after-events writes the savepoint");
  cmd->add_option("--stop-with-savepoint-after-events", a.stop_with_savepoint_after_events,
                  "Stop with a savepoint once about N events were made; prints SAVEPOINT path=...")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--drain", a.drain,
                "With --stop-with-savepoint-after-events: stop the sources first and emit the maximum "
                "watermark, so every window fires before the savepoint (Flink's stop --drain)");
  cmd->add_option("--from-savepoint", a.from_savepoint,
                  "Resume from savepoint or retained checkpoint P (any parallelism)");
  cmd->add_flag("--allow-non-restored-state", a.allow_non_restored_state,
                "With --from-savepoint: start even if some saved state matches no operator of the query");
}

Configuration nexmark_configuration(const NexmarkRunArgs& a, Configuration conf) {
  for (const auto& d : a.defines) conf.set_from_flag(d);
  if (a.parallelism > 0) conf.set("parallelism.default", std::to_string(a.parallelism));
  if (!a.checkpoint_interval.empty()) {
    try {
      conf.set("execution.checkpointing.interval", a.checkpoint_interval);
    } catch (const ConfigError&) {
      throw ConfigError("bad --checkpoint-interval '" + a.checkpoint_interval +
                        "': expected a duration such as 50ms or 1s");
    }
  }
  if (!a.checkpoint_dir.empty()) conf.set("execution.checkpointing.dir", a.checkpoint_dir);
  return conf;
}

nexmark::QueryOptions nexmark_query_options(const NexmarkRunArgs& a) {
  nexmark::QueryOptions o;
  o.generator = generator_config(a.run_generator);
  o.tps = a.tps;
  o.side_input = a.side_input;
  try {
    o.source = nexmark::SourceSpec::parse(a.source);
  } catch (const ConfigError&) {
    throw ConfigError("bad --source '" + a.source + "': expected generator or kafka:TOPIC");
  }
  try {
    o.sink = nexmark::SinkSpec::parse(a.sink);
  } catch (const ConfigError&) {
    throw ConfigError("bad --sink '" + a.sink + "': expected blackhole, file:PATH or kafka:TOPIC");
  }
  const bool kafka_source = o.source.kind == nexmark::SourceSpec::Kind::kKafka;
  const bool kafka_sink = o.sink.kind == nexmark::SinkSpec::Kind::kKafka;
  if (!kafka_source && o.generator.events <= 0)
    throw ConfigError(
        "--events N is required with the generator source (or read events with --source kafka:TOPIC)");
  if ((kafka_source || kafka_sink) && a.kafka.bootstrap_servers.empty())
    throw ConfigError(std::string(kafka_source ? "--source '" + a.source : "--sink '" + a.sink) +
                      "' needs --bootstrap-servers HOST:PORT (the Kafka brokers)");
  if (!kafka_sink && (!a.delivery_guarantee.empty() || !a.transactional_id_prefix.empty()))
    throw ConfigError("--delivery-guarantee and --transactional-id-prefix apply to --sink kafka:TOPIC only");
  o.kafka.bootstrap_servers = a.kafka.bootstrap_servers;
  o.kafka.client_timeout_ms = a.kafka.timeout_ms;
  if (!a.delivery_guarantee.empty()) {
    try {
      o.kafka.delivery_guarantee = nexmark::parse_delivery_guarantee(a.delivery_guarantee);
    } catch (const ConfigError&) {
      throw ConfigError("bad --delivery-guarantee '" + a.delivery_guarantee +
                        "': expected exactly-once, at-least-once or none");
    }
  }
  if (!a.transactional_id_prefix.empty() &&
      o.kafka.delivery_guarantee != nexmark::DeliveryGuarantee::kExactlyOnce)
    throw ConfigError("--transactional-id-prefix needs --delivery-guarantee exactly-once");
  o.kafka.transactional_id_prefix = a.transactional_id_prefix;
  return o;
}

}  // namespace weir::cli
