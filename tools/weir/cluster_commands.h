#pragma once
// The distributed cluster's commands: `weir jobmanager`, `weir taskmanager` (long-running processes that
// stop cleanly on SIGTERM or SIGINT) and `weir list-taskmanagers --jobmanager HOST:PORT`. main.cc
// registers them and dispatches.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace weir::cli {

struct ClusterCommands {
  CLI::App* jobmanager_cmd = nullptr;
  CLI::App* taskmanager_cmd = nullptr;
  CLI::App* list_cmd = nullptr;
  std::string conf_file;
  std::vector<std::string> defines;
  std::string jobmanager;  //!< list-taskmanagers: HOST:PORT
};

void add_cluster_commands(CLI::App& app, ClusterCommands& c);
//! Runs the parsed cluster command, if any: returns true and sets `exit_code` when one ran.
bool run_cluster_commands(const ClusterCommands& c, int& exit_code);

}  // namespace weir::cli
