// The `weir` command line. Every command has --help; errors name what was wrong and exit non-zero.
#ifdef WEIR_WITH_PYTHON
#include "embed.h"
#endif
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "client_commands.h"
#include "cluster_commands.h"
#include "examples.h"
#include "kafka_commands.h"
#include "local_cluster.h"
#include "nexmark_commands.h"
#include "run_command.h"
#include "weir/common/allocator.h"
#include "weir/common/crash_report.h"
#include "weir/nexmark/kafka/nexmark_kafka.h"
#include "weir/weir.h"

namespace {

int list_config() {
  for (const auto& [key, spec] : weir::ConfigRegistry::instance().all()) {
    std::cout << key << " (default: " << (spec.default_value.empty() ? "none" : spec.default_value) << ")";
    if (!spec.allowed.empty()) std::cout << " [" << fmt::format("{}", fmt::join(spec.allowed, ", ")) << "]";
    std::cout << "\n    " << spec.description << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A crash names the process (`weir taskmanager`, ...), the thread and its stack on stderr (NAME.out).
  weir::install_crash_report(argc > 1 ? fmt::format("weir {}", argv[1]) : std::string("weir"));
  weir::cli::register_builtin_jobs();
  weir::nexmark::install_nexmark_kafka();  // kafka: sources and sinks of Nexmark queries, also in job
                                           // libraries
#ifdef WEIR_WITH_PYTHON
  weir::python::enable_python_jobs();  // JobManagers and TaskManagers plan Python jobs (kind: python)
#endif
  // Flink's single-dash long options of `run`: -py FILE, -pyfs FILES, -pyreq FILE[#DIR].
  std::vector<std::string> rewritten(argv, argv + argc);
  for (auto& a : rewritten) {
    if (a == "-py") a = "--python";
    if (a == "-pyfs") a = "--pyFiles";
    if (a == "-pyreq") a = "--pyRequirements";
  }
  std::vector<char*> args;
  for (auto& a : rewritten) args.push_back(a.data());
  argc = static_cast<int>(args.size());
  argv = args.data();
  CLI::App app{"weir: a distributed, stateful stream processor", "weir"};
  app.require_subcommand(1);
  // The allocator too: a build without jemalloc (WEIR_ALLOCATOR=system) runs the engine measurably slower.
  app.set_version_flag("--version", "weir 0.1.0 (" + weir::allocator_name() + ")");

  weir::cli::RunCommand run;
  weir::cli::add_run_command(app, run);

  auto* examples_cmd = app.add_subcommand("examples", "List the example jobs");
  auto* config_cmd = app.add_subcommand("config", "List every configuration key with its default");
  weir::cli::NexmarkCommands nexmark;
  weir::cli::add_nexmark_commands(app, nexmark);
  weir::cli::ClientCommands client;  // list, cancel, savepoint (and --dispose), stop, checkpoint
  weir::cli::add_client_commands(app, client);
  weir::cli::ClusterCommands cluster;
  weir::cli::add_cluster_commands(app, cluster);
  weir::cli::LocalClusterCommand local_cluster;
  weir::cli::add_local_cluster_command(app, local_cluster);
  weir::cli::KafkaReadCommand kafka_read;
  weir::cli::add_kafka_read_command(app, kafka_read);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (int code = 0; weir::cli::run_run_command(run, code)) return code;
    if (*examples_cmd) {
      for (const auto& e : weir::examples::all_examples())
        std::cout << fmt::format("{:<18} {}\n", e.name, e.description);
      return 0;
    }
    if (*config_cmd) return list_config();
    if (int code = 0; weir::cli::run_client_commands(client, code)) return code;
    if (int code = 0; weir::cli::run_nexmark_commands(nexmark, code)) return code;
    if (int code = 0; weir::cli::run_cluster_commands(cluster, code)) return code;
    if (int code = 0; weir::cli::run_local_cluster_command(local_cluster, code)) return code;
    if (int code = 0; weir::cli::run_kafka_read_command(kafka_read, code)) return code;
  } catch (const weir::ConfigError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const weir::JobDefinitionError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
