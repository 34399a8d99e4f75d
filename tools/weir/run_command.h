#pragma once
// `weir run`: an example job or a C++ job library, on the embedded MiniCluster or, with
// `--jobmanager HOST:PORT` (the JobManager's REST address, Flink's -m), on a running cluster: a library
// is uploaded to the JobManager's blob store first, examples and Nexmark are builtin jobs every Weir
// process can rebuild. main.cc registers the command and dispatches.
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace weir::cli {

struct RunCommand {
  CLI::App* cmd = nullptr;
  std::string target;                 //!< an example's name or a job library's path
  std::vector<std::string> job_args;  //!< filled by run_run_command: what followed the target
  int parallelism = 0;
  std::vector<std::string> defines;
  std::string conf_file;
  std::string input;
  std::string output;
  int64_t events = 0;
  bool plan = false;
  std::string jobmanager;
  std::string from_savepoint;
  bool allow_non_restored_state = false;
  bool detached = false;
  std::string python;                 //!< --python / -py: a Python job's script
  std::vector<std::string> py_files;  //!< --pyFiles / -pyfs: more .py files or package directories
  std::string py_requirements;        //!< --pyRequirements / -pyreq: requirements.txt[#package dir]
};

void add_run_command(CLI::App& app, RunCommand& r);
//! Runs `weir run` when it was parsed: returns true and sets `exit_code`.
bool run_run_command(const RunCommand& r, int& exit_code);
//! Makes the examples and Nexmark builtin jobs of this binary (cluster/rpc/job_planner.h). Every weir
//! process calls it at startup, so JobManagers and TaskManagers can rebuild what clients submit.
void register_builtin_jobs();

//! Submits `spec_json` (a POST /jobs body) to the JobManager at `jobmanager` (REST HOST:PORT). Unless
//! `detached`, waits for the job to end and prints its final state; returns the exit code (0: FINISHED).
//! `final_job` (optional) receives the job's last GET /jobs/:id answer.
int submit_to_cluster(const std::string& jobmanager, const std::string& spec_json, bool detached,
                      std::string* final_job = nullptr);

//! Uploads the job library at `library` to the JobManager's blob store and submits it with `args` and
//! `config` (see submit_to_cluster). Throws WeirError when the library is not a Weir job or the upload fails.
int submit_library(const std::string& jobmanager, const std::string& library,
                   const std::vector<std::string>& args, const std::map<std::string, std::string>& config,
                   bool detached, std::string* final_job = nullptr);

}  // namespace weir::cli
