#pragma once
// `weir cluster start|stop`: a JobManager and N TaskManagers as background processes on this machine
// (Flink's start-cluster.sh / stop-cluster.sh). With --zookeeper it also starts a local ZooKeeper server and
// configures ZooKeeper HA; with --jobmanagers N it starts N JobManagers (one leader, the others standbys).
// Each Weir process logs to NAME.log in the cluster directory, rotated at log.file.max-size (NAME.1.log, ...,
// log.file.max-files of them), and prints its address lines (and whatever a crash prints) to NAME.out; the
// directory also records their pids and addresses so that `stop` finds them.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace weir::cli {

struct LocalClusterCommand {
  CLI::App* cmd = nullptr;
  CLI::App* start_cmd = nullptr;
  CLI::App* stop_cmd = nullptr;
  int task_managers = 2;
  int job_managers = 1;    //!< more than one: standbys (needs ZooKeeper HA)
  bool zookeeper = false;  //!< start a local ZooKeeper server and configure ZooKeeper HA for every process
  std::string dir;         //!< default: <temp>/weir-cluster
  std::string conf_file;
  std::vector<std::string> defines;
};

void add_local_cluster_command(CLI::App& app, LocalClusterCommand& c);
bool run_local_cluster_command(const LocalClusterCommand& c, int& exit_code);

}  // namespace weir::cli
