#pragma once
// `weir nexmark-gen` (the generator's events as JSON lines) and `weir nexmark` (run queries and print
// RESULT lines). main.cc registers them and dispatches.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace weir::cli {

struct NexmarkGeneratorArgs {
  int64_t events = 0;
  uint64_t seed = 0;
  int64_t rate = 0;
  int64_t base_time = 0;
  int64_t out_of_orderness_ms = 0;
};

struct NexmarkCommands {
  CLI::App* gen_cmd = nullptr;
  CLI::App* run_cmd = nullptr;
  NexmarkGeneratorArgs gen;
  NexmarkGeneratorArgs run_generator;
  std::string query;
  int parallelism = 0;
  std::string sink = "blackhole";
  double tps = 0;
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

void add_nexmark_commands(CLI::App& app, NexmarkCommands& c);
//! Runs whichever of the two commands was parsed; returns false when neither was.
bool run_nexmark_commands(const NexmarkCommands& c, int& exit_code);

}  // namespace weir::cli
