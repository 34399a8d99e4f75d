#pragma once
// The client commands that talk to a running JobManager's REST API (Flink's `flink list`, `cancel`,
// `savepoint`, `stop`, `checkpoint`): `weir list`, `weir cancel JOBID`, `weir savepoint JOBID
// TARGETDIR` (and `weir savepoint --dispose PATH`, which needs no JobManager), `weir stop
// --savepoint-path DIR [--drain] JOBID`, `weir checkpoint JOBID`. Each takes `--jobmanager HOST:PORT`
// (the REST address; default rest.address:rest.port of the configuration, `-c`/`-D`), waits for what
// it triggered within `--timeout`, and prints like Flink's CLI. Exit status 2: the JobManager refused
// the request (unknown job, bad savepoint path, a job not running); 1: it could not be reached or the
// operation failed or timed out. main.cc registers them and dispatches.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace weir::cli {

struct ClientCommands {
  CLI::App* list_cmd = nullptr;
  CLI::App* cancel_cmd = nullptr;
  CLI::App* savepoint_cmd = nullptr;
  CLI::App* stop_cmd = nullptr;
  CLI::App* checkpoint_cmd = nullptr;
  std::string jobmanager;  //!< HOST:PORT of the REST API; empty: from the configuration
  std::string conf_file;
  std::vector<std::string> defines;
  double timeout_s = 60;
  bool all = false;  //!< list: ended jobs too
  std::string job_id;
  std::string target_dir;  //!< savepoint: TARGETDIR; stop: --savepoint-path
  bool drain = false;
  std::string dispose_path;  //!< savepoint --dispose
};

void add_client_commands(CLI::App& app, ClientCommands& c);
//! Runs the parsed client command, if any: returns true and sets `exit_code` when one ran.
bool run_client_commands(const ClientCommands& c, int& exit_code);

}  // namespace weir::cli
