// The `weir` command line. Every command has --help; errors name what was wrong and exit non-zero.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cluster_commands.h"
#include "examples.h"
#include "nexmark_commands.h"
#include "weir/weir.h"

namespace {

struct RunArgs {
  std::string example;
  int parallelism = 0;
  std::vector<std::string> defines;
  std::string conf_file;
  std::string input;
  std::string output;
  int64_t events = 0;
  bool plan = false;
};

weir::Configuration load_configuration(const std::string& conf_file,
                                       const std::vector<std::string>& defines) {
  weir::Configuration conf;
  if (!conf_file.empty()) conf = weir::Configuration::load_yaml(conf_file);
  for (const auto& d : defines) conf.set_from_flag(d);
  return conf;
}

int run_example(const RunArgs& a) {
  const weir::examples::Example* ex = nullptr;
  for (const auto& e : weir::examples::all_examples())
    if (e.name == a.example) ex = &e;
  if (!ex) {
    std::string names;
    for (const auto& e : weir::examples::all_examples()) names += (names.empty() ? "" : ", ") + e.name;
    throw weir::JobDefinitionError(fmt::format("unknown example '{}' (available: {})", a.example, names));
  }
  auto env =
      weir::StreamExecutionEnvironment::get_execution_environment(load_configuration(a.conf_file, a.defines));
  if (a.parallelism > 0) env->set_parallelism(a.parallelism);
  ex->build(*env, {a.input, a.output, a.events});
  if (a.plan) {
    std::cout << env->get_job_graph(ex->name)->describe();
    return 0;
  }
  auto result = env->execute(ex->name);
  std::fprintf(stderr, "Job %s finished in %lld ms\n", result.job_id.to_string().c_str(),
               static_cast<long long>(result.net_runtime_ms));
  return 0;
}

int list_config() {
  for (const auto& [key, spec] : weir::ConfigRegistry::instance().all()) {
    std::cout << key << " (default: " << (spec.default_value.empty() ? "none" : spec.default_value) << ")";
    if (!spec.allowed.empty()) std::cout << " [" << fmt::format("{}", fmt::join(spec.allowed, ", ")) << "]";
    std::cout << "\n    " << spec.description << "\n";
  }
  return 0;
}

// `weir savepoint --dispose PATH`. Refusals (not a savepoint) are bad input: exit status 2.
int dispose(const std::string& path) {
  weir::DisposedSavepoint d;
  try {
    d = weir::dispose_savepoint(path);
  } catch (const weir::WeirError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  std::cout << "DISPOSED path=" << d.path << " files=" << d.files << " bytes=" << d.bytes << std::endl;
  if (!d.removed_dir)
    std::fprintf(stderr, "note: '%s' still holds files that are not part of the savepoint; they were kept\n",
                 d.path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weir: a distributed, stateful stream processor", "weir"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "weir 0.1.0");

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run an example job on the embedded MiniCluster");
  run_cmd->add_option("example", run.example, "Example to run (see `weir examples`)")->required();
  run_cmd->add_option("-p,--parallelism", run.parallelism, "Default parallelism of the job")
      ->check(CLI::Range(1, 32768));
  run_cmd->add_option("-D", run.defines,
                      "Configuration key=value (repeatable), e.g. -D parallelism.default=2");
  run_cmd->add_option("-c,--conf", run.conf_file, "A weir.yaml configuration file")->check(CLI::ExistingFile);
  run_cmd->add_option("--input", run.input, "Input text file (examples that read text)")
      ->check(CLI::ExistingFile);
  run_cmd->add_option("--output", run.output, "Output directory for part files (default: stdout)");
  run_cmd->add_option("--events", run.events, "Number of generated events (examples that generate)")
      ->check(CLI::PositiveNumber);
  run_cmd->add_flag("--plan", run.plan,
                    "Print the job graph (chained vertices and edges) instead of running");

  std::string dispose_path;
  auto* savepoint_cmd = app.add_subcommand("savepoint", "Manage savepoints (Flink's `flink savepoint`)");
  savepoint_cmd
      ->add_option("--dispose", dispose_path,
                   "Delete the savepoint at PATH after checking (from its _metadata) that it is one")
      ->required();
  auto* examples_cmd = app.add_subcommand("examples", "List the example jobs");
  auto* config_cmd = app.add_subcommand("config", "List every configuration key with its default");
  weir::cli::NexmarkCommands nexmark;
  weir::cli::add_nexmark_commands(app, nexmark);
  weir::cli::ClusterCommands cluster;
  weir::cli::add_cluster_commands(app, cluster);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*run_cmd) return run_example(run);
    if (*examples_cmd) {
      for (const auto& e : weir::examples::all_examples())
        std::cout << fmt::format("{:<18} {}\n", e.name, e.description);
      return 0;
    }
    if (*config_cmd) return list_config();
    if (*savepoint_cmd) return dispose(dispose_path);
    if (int code = 0; weir::cli::run_nexmark_commands(nexmark, code)) return code;
    if (int code = 0; weir::cli::run_cluster_commands(cluster, code)) return code;
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
