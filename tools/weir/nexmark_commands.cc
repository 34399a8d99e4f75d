#include "nexmark_commands.h"

#include "cli_configuration.h"
#include "ha_client.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>

#include "weir/connectors/nexmark/generator.h"
#include "weir/nexmark/event_json.h"
#include "weir/nexmark/kafka/nexmark_kafka.h"
#include "weir/nexmark/queries.h"
#include "weir/nexmark/query_runner.h"

namespace weir::cli {
namespace {

namespace nx = connectors::nexmark;

int generate(const NexmarkCommands& c) {
  const NexmarkGeneratorArgs& args = c.gen;
  if (c.gen_sink != "stdout") {
    if (!c.gen_sink.starts_with("kafka:") || c.gen_sink.size() <= 6)
      throw ConfigError("bad --sink '" + c.gen_sink + "': expected stdout or kafka:TOPIC");
    if (c.gen_kafka.bootstrap_servers.empty())
      throw ConfigError("--sink '" + c.gen_sink +
                        "' needs --bootstrap-servers HOST:PORT (the Kafka brokers)");
    const std::string topic = c.gen_sink.substr(6);
    auto t0 = std::chrono::steady_clock::now();
    nexmark::write_events_to_kafka(generator_config(args), c.gen_kafka.bootstrap_servers, topic,
                                   std::chrono::milliseconds(c.gen_kafka.timeout_ms));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << fmt::format("WROTE events={} topic={} seconds={:.3f} events_per_s={:.0f}", args.events,
                             topic, seconds, seconds > 0 ? args.events / seconds : 0.0)
              << std::endl;
    return 0;
  }
  nx::NexmarkGenerator gen(generator_config(args));
  std::string buf;
  nx::Event e;
  for (int64_t n = 0; n < args.events; ++n) {
    gen.generate(n, e);
    nexmark::append_event_json(buf, e);
    buf += '\n';
    if (buf.size() >= (1 << 20)) {
      if (std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size())
        throw WeirError("nexmark-gen: cannot write to stdout");
      buf.clear();
    }
  }
  if (std::fwrite(buf.data(), 1, buf.size(), stdout) != buf.size() || std::fflush(stdout) != 0)
    throw WeirError("nexmark-gen: cannot write to stdout");
  return 0;
}

//! Checks the topics of a kafka: source and sink before the job starts (a KafkaError names a missing topic
//! or brokers that did not answer) and, without --events, counts the source topic's records: the events the
//! RESULT line reports and injected failures spread over.
void check_kafka_topics(const NexmarkRunArgs& a, nexmark::QueryOptions& o) {
  const std::chrono::milliseconds timeout(a.kafka.timeout_ms);
  if (o.source.kind == nexmark::SourceSpec::Kind::kKafka) {
    int64_t records = nexmark::topic_record_count(a.kafka.bootstrap_servers, o.source.topic, timeout);
    if (o.generator.events <= 0) o.generator.events = records;
  }
  if (o.sink.kind == nexmark::SinkSpec::Kind::kKafka)
    nexmark::check_topic_exists(a.kafka.bootstrap_servers, o.sink.dir, timeout);
}

//! A fresh directory for checkpoints under the system temp directory.
std::string temp_checkpoint_dir() {
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    auto dir =
        std::filesystem::temp_directory_path() / ("weir-checkpoints-" + std::to_string(rd() % 100'000'000));
    if (std::filesystem::create_directories(dir)) return dir.string();
  }
  throw WeirError("cannot create a checkpoint directory under " +
                  std::filesystem::temp_directory_path().string());
}

//! Turns the checkpoint, failure and savepoint flags into configuration keys and a RunControl;
//! errors name the flag that was wrong or is missing.
nexmark::RunControl fault_tolerance(const NexmarkCommands& c, size_t queries, Configuration& conf) {
  const bool checkpointing = conf.contains("execution.checkpointing.interval");
  if (checkpointing && !conf.contains("execution.checkpointing.dir")) {
    conf.set("execution.checkpointing.dir", temp_checkpoint_dir());
  }
  if (checkpointing)
    std::cout << "CHECKPOINT_DIR path=" << *conf.raw("execution.checkpointing.dir") << std::endl;

  nexmark::RunControl control;
  if (c.inject_failures > 0) {
    if (!checkpointing)
      throw ConfigError(
          "--inject-failures needs --checkpoint-interval: failed tasks recover from a checkpoint");
    control.inject_failures = c.inject_failures;
    control.failure_seed = c.run_generator.seed;
    // Exactly as many restarts as injected failures, quickly, unless -D chose a strategy.
    if (!conf.contains("restart-strategy.type")) {
      conf.set("restart-strategy.type", "fixed-delay");
      conf.set("restart-strategy.fixed-delay.attempts", std::to_string(c.inject_failures));
      conf.set("restart-strategy.fixed-delay.delay", "50 ms");
    }
  }
  if (c.stop_with_savepoint_after_events > 0 && c.savepoint_dir.empty())
    throw ConfigError("--stop-with-savepoint-after-events needs --savepoint-dir");
  if ((c.stop_with_savepoint_after_events > 0 || !c.from_savepoint.empty()) && queries > 1)
    throw ConfigError(
        "--stop-with-savepoint-after-events and --from-savepoint need a single --query, not all");
  if (c.drain && c.stop_with_savepoint_after_events <= 0)
    throw ConfigError("--drain needs --stop-with-savepoint-after-events");
  control.stop_with_savepoint_after_events = c.stop_with_savepoint_after_events;
  control.drain = c.drain;
  control.savepoint_dir = c.savepoint_dir;
  if (!c.from_savepoint.empty()) {
    if (!std::filesystem::exists(c.from_savepoint))
      throw ConfigError("bad --from-savepoint '" + c.from_savepoint + "': no such savepoint");
    conf.set("execution.savepoint.path", c.from_savepoint);
  }
  if (c.allow_non_restored_state) {
    if (c.from_savepoint.empty()) throw ConfigError("--allow-non-restored-state needs --from-savepoint");
    conf.set("execution.savepoint.ignore-unclaimed-state", "true");
  }
  return control;
}

int run_queries(const NexmarkCommands& c) {
  std::vector<std::string> queries;
  if (c.query == "all") {
    queries = nexmark::query_names();
  } else if (nexmark::is_query(c.query) || nexmark::is_calibration_job(c.query) || c.query == "gen") {
    queries = {c.query};
  } else {
    std::string all;
    for (const auto& n : nexmark::query_names()) all += (all.empty() ? "" : ", ") + n;
    throw ConfigError("bad --query '" + c.query + "': expected all or one of " + all);
  }
  nexmark::QueryOptions base = nexmark_query_options(c);
  if (base.source.kind == nexmark::SourceSpec::Kind::kKafka && c.query == "gen")
    throw ConfigError("--query gen runs the generator alone; it reads no --source");
  check_kafka_topics(c, base);
  const nexmark::SinkSpec& sink = base.sink;
  Configuration conf = nexmark_configuration(c);
  nexmark::RunControl control = fault_tolerance(c, queries.size(), conf);
  const bool report_recovery = !c.checkpoint_interval.empty() || c.inject_failures > 0 ||
                               !c.savepoint_dir.empty() || !c.from_savepoint.empty() ||
                               conf.contains("execution.checkpointing.interval");

  for (const auto& q : queries) {
    nexmark::QueryOptions o = base;
    // With --query all, each query writes its own subdirectory of file:PATH.
    if (sink.kind == nexmark::SinkSpec::Kind::kDirectory && queries.size() > 1)
      o.sink.dir = (std::filesystem::path(sink.dir) / q).string();
    auto r = q == "gen" ? nexmark::run_generator_alone(std::max(c.parallelism, 1), o)
                        : nexmark::run_query(q, conf, o, control);
    std::cout << r.result_line() << std::endl;
    if (report_recovery && q != "gen") std::cout << r.recovery_line() << std::endl;
    if (!r.savepoint.empty()) std::cout << "SAVEPOINT path=" << r.savepoint << std::endl;
  }
  return 0;
}

// The arguments of the Nexmark job library for this run: the query's own flags (the library parses them
// with the same definitions); configuration travels as the job's spec.
std::vector<std::string> library_args(const NexmarkRunArgs& a) {
  const auto& g = a.run_generator;
  std::vector<std::string> args = {"--query",
                                   a.query,
                                   "--seed",
                                   std::to_string(g.seed),
                                   "--rate",
                                   std::to_string(g.rate),
                                   "--base-time",
                                   std::to_string(g.base_time),
                                   "--out-of-orderness",
                                   std::to_string(g.out_of_orderness_ms),
                                   "--source",
                                   a.source,
                                   "--sink",
                                   a.sink,
                                   "--tps",
                                   fmt::format("{}", a.tps)};
  if (g.events > 0) args.insert(args.end(), {"--events", std::to_string(g.events)});
  if (!a.kafka.bootstrap_servers.empty()) {
    args.insert(args.end(), {"--bootstrap-servers", a.kafka.bootstrap_servers, "--kafka-timeout-ms",
                             std::to_string(a.kafka.timeout_ms)});
  }
  if (!a.delivery_guarantee.empty()) args.insert(args.end(), {"--delivery-guarantee", a.delivery_guarantee});
  if (!a.transactional_id_prefix.empty())
    args.insert(args.end(), {"--transactional-id-prefix", a.transactional_id_prefix});
  if (!a.side_input.empty()) args.insert(args.end(), {"--side-input", a.side_input});
  if (!a.from_savepoint.empty()) args.insert(args.end(), {"--from-savepoint", a.from_savepoint});
  if (a.allow_non_restored_state) args.push_back("--allow-non-restored-state");
  return args;
}

int run_on_cluster(const NexmarkCommands& c) {
  if (c.query == "all" || c.query == "gen")
    throw ConfigError("bad --query '" + c.query +
                      "' with --jobmanager: a cluster runs one query (q0 ... q22)");
  if (c.inject_failures > 0 || c.stop_with_savepoint_after_events > 0 || c.drain || !c.savepoint_dir.empty())
    throw ConfigError(
        "--inject-failures, --stop-with-savepoint-after-events, --drain and --savepoint-dir act on the "
        "embedded "
        "MiniCluster; on a cluster kill TaskManagers yourself and use `weir stop --savepoint-path DIR "
        "[--drain]`");
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  std::filesystem::path library = self.parent_path() / "jobs" / "libweir_nexmark_job.so";
  if (!std::filesystem::exists(library))
    throw ConfigError("the Nexmark job library is not beside this weir binary (expected " + library.string() +
                      ")");
  nexmark::QueryOptions options = nexmark_query_options(c);  // bad flags fail here, not on the cluster
  check_kafka_topics(c, options);
  Configuration conf = nexmark_configuration(c);
  if (conf.contains("execution.checkpointing.interval") && c.checkpoint_dir.empty() &&
      !conf.contains("execution.checkpointing.dir"))
    throw ConfigError(
        "--checkpoint-interval on a cluster needs --checkpoint-dir (a directory every TaskManager can "
        "reach)");
  std::map<std::string, std::string> config(conf.values().begin(), conf.values().end());
  std::string final_job;
  int code = submit_library(c.jobmanager, library.string(), library_args(c), config, c.detached, &final_job);
  if (code == 0 && !c.detached) {
    auto job = nlohmann::json::parse(final_job);
    double seconds = job.value("duration", int64_t{0}) / 1000.0;
    int64_t events = options.generator.events;
    std::cout << fmt::format(
                     "RESULT query={} events={} seconds={:.3f} events_per_s={:.0f} restarts={} cluster={}",
                     c.query, events, seconds, seconds > 0 ? events / seconds : 0.0, job.value("restarts", 0),
                     c.jobmanager)
              << std::endl;
  }
  return code;
}

}  // namespace

void add_nexmark_commands(CLI::App& app, NexmarkCommands& c) {
  c.gen_cmd = app.add_subcommand(
      "nexmark-gen", "Write Nexmark events as JSON lines to stdout, or as JSON records into a Kafka topic");
  add_generator_options(c.gen_cmd, c.gen);
  c.gen_cmd
      ->add_option("--sink", c.gen_sink,
                   "stdout, or kafka:TOPIC: one JSON event per record into this existing topic, keyed by "
                   "auction id (bids, auctions) or person id (persons)")
      ->capture_default_str();
  add_kafka_options(c.gen_cmd, c.gen_kafka);

  c.run_cmd =
      app.add_subcommand("nexmark", "Run Nexmark queries on the embedded MiniCluster and print RESULT lines");
  add_nexmark_run_options(c.run_cmd, c);
  c.run_cmd->add_option(
      "-m,--jobmanager", c.jobmanager,
      "Run the query on the cluster whose JobManager serves REST at HOST:PORT, as the Nexmark "
      "job library (jobs/libweir_nexmark_job.so beside this binary)");
  c.run_cmd->add_flag("-d,--detached", c.detached, "With --jobmanager: print the job id and return at once");
}

bool run_nexmark_commands(const NexmarkCommands& c, int& exit_code) {
  if (c.gen_cmd && *c.gen_cmd) {
    exit_code = generate(c);
    return true;
  }
  if (c.run_cmd && *c.run_cmd) {
    NexmarkCommands r = c;  // an HA cluster's leader is found through ZooKeeper (-D high-availability.*)
    r.jobmanager = resolve_jobmanager(c.jobmanager, load_configuration("", c.defines));
    exit_code = r.jobmanager.empty() ? run_queries(r) : run_on_cluster(r);
    return true;
  }
  return false;
}

}  // namespace weir::cli
