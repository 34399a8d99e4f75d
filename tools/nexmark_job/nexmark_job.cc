// The Nexmark queries as a C++ job library (libweir_nexmark_job.so): main takes the arguments of
// `weir nexmark` for one query and builds the pipeline `weir nexmark` builds (nexmark::build_query with the
// options nexmark_args.h parses), so a cluster runs exactly the query the embedded benchmark runs.
//
// Everything here is deterministic in the arguments and the configuration: the JobManager and every
// TaskManager run this main and must get the same graph. That is why a checkpoint directory must be given
// (`weir nexmark` makes a random one) and why client actions of `weir nexmark` (injected failures, stop with
// a savepoint after N events, --query all) are refused: a cluster does them with `weir stop`/`savepoint`.
#include <CLI/CLI.hpp>

#include "nexmark_args.h"
#include "weir/api/job_entry_point.h"
#include "weir/nexmark/queries.h"
#include "weir/weir.h"

namespace {

void refuse(bool set, const char* flag, const char* instead) {
  if (set)
    throw weir::ConfigError(std::string("the Nexmark job library does not take ") + flag + ": " + instead);
}

int nexmark_job_main(int argc, char** argv) {
  CLI::App app{"A Nexmark query as a Weir job: the arguments of `weir nexmark` for one query"};
  weir::cli::NexmarkRunArgs a;
  weir::cli::add_nexmark_run_options(&app, a);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    throw weir::ConfigError("bad arguments for the Nexmark job: " + std::string(e.what()));
  }
  if (a.query == "all" || a.query == "gen")
    throw weir::ConfigError("bad --query '" + a.query +
                            "': the Nexmark job runs one query (q0 ... q22 or passthrough)");
  refuse(a.inject_failures > 0, "--inject-failures", "it is a test hook of the embedded `weir nexmark`");
  refuse(a.stop_with_savepoint_after_events > 0 || a.drain || !a.savepoint_dir.empty(),
         "--stop-with-savepoint-after-events, --drain or --savepoint-dir", "stop a job with `weir stop`");

  weir::Configuration conf = weir::cli::nexmark_configuration(a);
  if (!a.from_savepoint.empty()) conf.set("execution.savepoint.path", a.from_savepoint);
  if (a.allow_non_restored_state) conf.set("execution.savepoint.ignore-unclaimed-state", "true");
  auto env = weir::StreamExecutionEnvironment::get_execution_environment(conf);
  if (env->get_config().contains("execution.checkpointing.interval") &&
      !env->get_config().contains("execution.checkpointing.dir"))
    throw weir::ConfigError(
        "the Nexmark job checkpoints (--checkpoint-interval) but has no --checkpoint-dir or "
        "execution.checkpointing.dir: every process that plans the job must agree on it");
  weir::nexmark::build_query(a.query, *env, weir::cli::nexmark_query_options(a));
  env->execute("nexmark-" + a.query);
  return 0;
}

}  // namespace

WEIR_JOB_MAIN(nexmark_job_main)
