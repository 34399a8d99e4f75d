#include "client_commands.h"

#include "ha_client.h"

#include <cstdio>
#include <ctime>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "cli_configuration.h"
#include "weir/client/rest_client.h"
#include "weir/client/rest_operation.h"
#include "weir/cluster/rest/rest_options.h"
#include "weir/weir.h"

namespace weir::cli {

namespace {

using client::RestClient;
using client::RestReply;
using Json = nlohmann::json;

// The JobManager refused the request (4xx): bad input, exit status 2.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string rest_address(const ClientCommands& c) {
  if (!c.jobmanager.empty()) return c.jobmanager;
  Configuration conf = load_configuration(c.conf_file, c.defines);
  if (auto leader = leader_rest_address(conf)) return *leader;  // an HA cluster: ask ZooKeeper
  return fmt::format("{}:{}", conf.get_string(options::kRestAddress), conf.get_int(options::kRestPort));
}

// A client of the REST API; a malformed address is bad input.
RestClient connect(const ClientCommands& c) {
  try {
    return RestClient(rest_address(c));
  } catch (const WeirError& e) {
    throw Refused(e.what());
  }
}

// Fails unless the answer has status `want`: a 4xx is Refused (the JobManager's message), anything else
// a WeirError.
Json expect(const RestReply& r, int want, const RestClient& client) {
  if (r.status == want) return r.body;
  if (r.status >= 400 && r.status < 500)
    throw Refused(fmt::format("{} (JobManager at {})", r.error_message(), client.address()));
  throw WeirError(
      fmt::format("the JobManager at {} answered {}: {}", client.address(), r.status, r.error_message()));
}

std::chrono::steady_clock::time_point deadline_of(const ClientCommands& c) {
  return std::chrono::steady_clock::now() +
         std::chrono::milliseconds(static_cast<int64_t>(c.timeout_s * 1000));
}

// Polls an asynchronous operation's status route until COMPLETED; returns its `operation`, or throws
// with the failure's cause or on timeout.
Json await_operation(RestClient& client, const std::string& path, const ClientCommands& c, const char* what) {
  auto deadline = deadline_of(c);
  for (;;) {
    if (auto op = client::completed_operation(expect(client.get(path), 200, client), what, client.address()))
      return *op;
    if (std::chrono::steady_clock::now() > deadline)
      throw WeirError(fmt::format("{} did not complete within {} s (--timeout); it may still complete", what,
                                  c.timeout_s));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string local_time(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d.%m.%Y %H:%M:%S", &tm);
  return buf;
}

int list_jobs(const ClientCommands& c) {
  RestClient client = connect(c);
  std::cout << "Waiting for response..." << std::endl;
  Json b = expect(client.get("/jobs/overview"), 200, client);
  std::vector<Json> running, scheduled, ended;
  for (const auto& j : b["jobs"]) {
    std::string state = j["state"];
    if (state == "CREATED")
      scheduled.push_back(j);
    else if (state == "FINISHED" || state == "CANCELED" || state == "FAILED")
      ended.push_back(j);
    else
      running.push_back(j);
  }
  auto by_start = [](const Json& a, const Json& b) { return a["start-time"] < b["start-time"]; };
  auto print = [](const std::vector<Json>& jobs) {
    for (const auto& j : jobs)
      std::cout << fmt::format("{} : {} : {} ({})\n", local_time(j["start-time"]),
                               j["jid"].get<std::string>(), j["name"].get<std::string>(),
                               j["state"].get<std::string>());
  };
  for (auto* v : {&running, &scheduled, &ended}) std::sort(v->begin(), v->end(), by_start);
  if (running.empty()) {
    std::cout << "No running jobs.\n";
  } else {
    std::cout << "------------------ Running/Restarting Jobs -------------------\n";
    print(running);
    std::cout << "--------------------------------------------------------------\n";
  }
  if (scheduled.empty()) {
    std::cout << "No scheduled jobs.\n";
  } else {
    std::cout << "----------------------- Scheduled Jobs -----------------------\n";
    print(scheduled);
    std::cout << "--------------------------------------------------------------\n";
  }
  if (c.all) {
    if (ended.empty()) {
      std::cout << "No terminated jobs.\n";
    } else {
      std::cout << "---------------------- Terminated Jobs -----------------------\n";
      print(ended);
      std::cout << "--------------------------------------------------------------\n";
    }
  }
  return 0;
}

int cancel_job(const ClientCommands& c) {
  RestClient client = connect(c);
  std::cout << "Cancelling job " << c.job_id << "." << std::endl;
  expect(client.patch("/jobs/" + c.job_id + "?mode=cancel"), 202, client);
  auto deadline = deadline_of(c);
  for (;;) {
    std::string state = expect(client.get("/jobs/" + c.job_id), 200, client)["state"];
    if (state == "CANCELED") break;
    if (state == "FINISHED" || state == "FAILED")
      throw WeirError(fmt::format("job {} ended {} before the cancellation took effect", c.job_id, state));
    if (std::chrono::steady_clock::now() > deadline)
      throw WeirError(fmt::format("job {} is still {} after {} s (--timeout)", c.job_id, state, c.timeout_s));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cout << "Cancelled job " << c.job_id << "." << std::endl;
  return 0;
}

int take_savepoint(const ClientCommands& c) {
  if (c.target_dir.empty())
    throw Refused(
        "no savepoint directory: weir savepoint JOBID TARGETDIR (Weir has no default savepoint directory)");
  RestClient client = connect(c);
  std::cout << "Triggering savepoint for job " << c.job_id << "." << std::endl;
  Json b = expect(client.post("/jobs/" + c.job_id + "/savepoints", Json{{"target-directory", c.target_dir}}),
                  202, client);
  std::string trigger = client::operation_request_id(b, "the savepoint", client.address());
  std::cout << "Waiting for response..." << std::endl;
  Json op = await_operation(client, "/jobs/" + c.job_id + "/savepoints/" + trigger, c, "the savepoint");
  std::cout << "Savepoint completed. Path: "
            << client::operation_string(op, "location", "the savepoint", client.address()) << "\n"
            << "You can resume your program from this savepoint with the run command." << std::endl;
  return 0;
}

int stop_job(const ClientCommands& c) {
  RestClient client = connect(c);
  std::cout << "Suspending job " << c.job_id
            << (c.drain ? " with a drained savepoint." : " with a savepoint.") << std::endl;
  Json b = expect(
      client.post("/jobs/" + c.job_id + "/stop", Json{{"targetDirectory", c.target_dir}, {"drain", c.drain}}),
      202, client);
  std::string trigger = client::operation_request_id(b, "stop with a savepoint", client.address());
  Json op =
      await_operation(client, "/jobs/" + c.job_id + "/savepoints/" + trigger, c, "stop with a savepoint");
  std::cout << "Savepoint completed. Path: "
            << client::operation_string(op, "location", "stop with a savepoint", client.address())
            << std::endl;
  return 0;
}

int take_checkpoint(const ClientCommands& c) {
  RestClient client = connect(c);
  std::cout << "Triggering checkpoint for job " << c.job_id << "." << std::endl;
  Json b = expect(client.post("/jobs/" + c.job_id + "/checkpoints", Json::object()), 202, client);
  std::string trigger = client::operation_request_id(b, "the checkpoint", client.address());
  Json op = await_operation(client, "/jobs/" + c.job_id + "/checkpoints/" + trigger, c, "the checkpoint");
  std::cout << fmt::format("Checkpoint {} for job {} completed. Path: {}",
                           op.contains("checkpointId") ? op["checkpointId"].dump() : "(no id)", c.job_id,
                           op.value("location", ""))
            << std::endl;
  return 0;
}

// `weir savepoint --dispose PATH`. Refusals (not a savepoint) are bad input: exit status 2.
int dispose(const std::string& path) {
  DisposedSavepoint d;
  try {
    d = dispose_savepoint(path);
  } catch (const WeirError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  std::cout << "DISPOSED path=" << d.path << " files=" << d.files << " bytes=" << d.bytes << std::endl;
  if (!d.removed_dir)
    std::fprintf(stderr, "note: '%s' still holds files that are not part of the savepoint; they were kept\n",
                 d.path.c_str());
  return 0;
}

void add_connection_options(CLI::App* cmd, ClientCommands& c) {
  cmd->add_option(
      "-m,--jobmanager", c.jobmanager,
      "The JobManager's REST address HOST:PORT (default: rest.address:rest.port of the configuration)");
  cmd->add_option("-c,--conf", c.conf_file, "A weir.yaml configuration file (for the default address)")
      ->check(CLI::ExistingFile);
  cmd->add_option("-D", c.defines, "Configuration key=value (repeatable), e.g. -D rest.port=8082");
  cmd->add_option("--timeout", c.timeout_s, "Seconds to wait for what the command triggered (default 60)")
      ->check(CLI::PositiveNumber);
}

}  // namespace

void add_client_commands(CLI::App& app, ClientCommands& c) {
  c.list_cmd = app.add_subcommand("list", "List the jobs of a running JobManager (Flink's `flink list`)");
  c.list_cmd->add_flag("-a,--all", c.all, "Also list finished, canceled and failed jobs");
  add_connection_options(c.list_cmd, c);

  c.cancel_cmd = app.add_subcommand("cancel", "Cancel a job and wait until it is CANCELED");
  c.cancel_cmd->add_option("jobid", c.job_id, "The job's id (see `weir list`)")->required();
  add_connection_options(c.cancel_cmd, c);

  c.savepoint_cmd = app.add_subcommand(
      "savepoint", "Take a savepoint of a running job (JOBID TARGETDIR), or delete one (--dispose PATH)");
  c.savepoint_cmd->add_option("jobid", c.job_id, "The job's id (see `weir list`)");
  c.savepoint_cmd->add_option(
      "targetdir", c.target_dir,
      "Directory the savepoint goes into (absolute, on the JobManager's file system)");
  c.savepoint_cmd
      ->add_option("--dispose", c.dispose_path,
                   "Delete the savepoint at PATH after checking (from its _metadata) that it is one")
      ->excludes("jobid");
  add_connection_options(c.savepoint_cmd, c);

  c.stop_cmd = app.add_subcommand("stop", "Stop a job with a savepoint (Flink's `flink stop`)");
  c.stop_cmd->add_option("jobid", c.job_id, "The job's id (see `weir list`)")->required();
  c.stop_cmd->add_option("-p,--savepoint-path", c.target_dir, "Directory the savepoint goes into")
      ->required();
  c.stop_cmd->add_flag(
      "-d,--drain", c.drain,
      "Stop the sources first and emit the maximum watermark, so every window and timer fires");
  add_connection_options(c.stop_cmd, c);

  c.checkpoint_cmd = app.add_subcommand("checkpoint", "Take a checkpoint of a running job now");
  c.checkpoint_cmd->add_option("jobid", c.job_id, "The job's id (see `weir list`)")->required();
  add_connection_options(c.checkpoint_cmd, c);
}

bool run_client_commands(const ClientCommands& c, int& exit_code) {
  int (*run)(const ClientCommands&) = nullptr;
  if (*c.list_cmd) run = list_jobs;
  if (*c.cancel_cmd) run = cancel_job;
  if (*c.stop_cmd) run = stop_job;
  if (*c.checkpoint_cmd) run = take_checkpoint;
  if (*c.savepoint_cmd) {
    if (!c.dispose_path.empty()) {
      exit_code = dispose(c.dispose_path);
      return true;
    }
    if (c.job_id.empty()) {
      std::fprintf(stderr, "error: weir savepoint needs JOBID TARGETDIR, or --dispose PATH\n");
      exit_code = 2;
      return true;
    }
    run = take_savepoint;
  }
  if (!run) return false;
  try {
    exit_code = run(c);
  } catch (const Refused& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    exit_code = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    exit_code = 1;
  }
  return true;
}

}  // namespace weir::cli
