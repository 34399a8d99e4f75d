#ifdef WEIR_WITH_PYTHON
#include "embed.h"
#endif
#include "run_command.h"

#include "ha_client.h"
#include "job_progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cli_configuration.h"
#include "examples.h"
#include "weir/client/job_upload.h"
#include "weir/client/rest_client.h"
#include "weir/cluster/artifacts/job_library.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/cluster/rest/job_submission_endpoints.h"
#include "weir/cluster/rpc/job_planner.h"
#include "weir/nexmark/nexmark_job.h"
#include "weir/weir.h"

namespace weir::cli {

namespace {

Configuration run_configuration(const RunCommand& r) {
  Configuration conf = load_configuration(r.conf_file, r.defines);
  if (r.parallelism > 0) conf.set("parallelism.default", std::to_string(r.parallelism));
  if (!r.from_savepoint.empty()) conf.set("execution.savepoint.path", r.from_savepoint);
  if (r.allow_non_restored_state) {
    if (r.from_savepoint.empty()) throw ConfigError("--allow-non-restored-state needs -s/--from-savepoint");
    conf.set("execution.savepoint.ignore-unclaimed-state", "true");
  }
  return conf;
}

const examples::Example* find_example(const std::string& name) {
  for (const auto& e : examples::all_examples())
    if (e.name == name) return &e;
  return nullptr;
}

bool is_library(const std::string& target) {
  return target.ends_with(".so") || target.find('/') != std::string::npos;
}

std::vector<std::string> example_args(const RunCommand& r) {
  std::vector<std::string> args;
  if (!r.input.empty()) args.push_back("input=" + std::filesystem::absolute(r.input).string());
  if (!r.output.empty()) args.push_back("output=" + std::filesystem::absolute(r.output).string());
  if (r.events > 0) args.push_back("events=" + std::to_string(r.events));
  return args;
}

std::shared_ptr<graph::JobGraph> build_example_job(const examples::Example& ex,
                                                   const std::vector<std::string>& args,
                                                   const Configuration& conf) {
  examples::ExampleOptions o;
  for (const auto& a : args) {
    auto eq = a.find('=');
    std::string k = a.substr(0, eq), v = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (k == "input")
      o.input = v;
    else if (k == "output")
      o.output = v;
    else if (k == "events")
      o.events = std::stoll(v);
    else
      throw ConfigError(
          fmt::format("example '{}': unknown argument '{}' (expected input=, output=, events=)", ex.name, a));
  }
  StreamExecutionEnvironment env(conf);
  ex.build(env, o);
  return env.get_job_graph(ex.name);
}

int run_example_locally(const RunCommand& r, const examples::Example& ex) {
  auto env = StreamExecutionEnvironment::get_execution_environment(run_configuration(r));
  ex.build(*env, {r.input, r.output, r.events});
  if (r.plan) {
    std::cout << env->get_job_graph(ex.name)->describe();
    return 0;
  }
  auto result = env->execute(ex.name);
  std::fprintf(stderr, "Job %s finished in %lld ms\n", result.job_id.to_string().c_str(),
               static_cast<long long>(result.net_runtime_ms));
  return 0;
}

int run_library_locally(const RunCommand& r, const Configuration& conf) {
  auto jg = cluster::JobLibrary::load(r.target).plan(r.job_args, conf);
  if (r.plan) {
    std::cout << jg->describe();
    return 0;
  }
  cluster::MiniClusterConfig mc;
  mc.slots_per_task_manager = jg->max_vertex_parallelism();
  cluster::MiniCluster cluster(mc);
  auto result = cluster.submit(jg).wait();
  std::fprintf(stderr, "Job %s finished in %lld ms\n", result.job_id.to_string().c_str(),
               static_cast<long long>(result.net_runtime_ms));
  return 0;
}

int run_python_job(const RunCommand& r) {
#ifdef WEIR_WITH_PYTHON
  Configuration conf = run_configuration(r);
  if (!std::filesystem::exists(r.python))
    throw ConfigError(fmt::format("Python job '{}' does not exist", r.python));
  if (r.plan) throw ConfigError("--plan is not supported for Python jobs yet");
  if (r.jobmanager.empty()) return python::run_python_script(r.python, r.job_args, conf, r.py_requirements);
  std::string archive = python::make_python_archive(r.python, r.py_files, r.py_requirements);
  std::string name = std::filesystem::path(r.python).filename().string();
  client::RestClient client(r.jobmanager);
  const std::string blob_key =
      client::upload_artifact(client, name + ".zip", archive, "Python job " + r.python);
  weir::rpc::JobSpec spec;
  spec.set_kind("python");
  spec.set_name(name);
  spec.set_blob_key(blob_key);
  for (const auto& a : r.job_args) spec.add_args(a);
  for (const auto& [k, v] : conf.values()) (*spec.mutable_config())[k] = v;
  return submit_to_cluster(r.jobmanager, cluster::rest::JobSubmissionEndpoints::to_json(spec).dump(),
                           r.detached);
#else
  throw ConfigError("this weir was built without Python (WEIR_BUILD_PYTHON=OFF)");
#endif
}

}  // namespace

int submit_library(const std::string& jobmanager, const std::string& library,
                   const std::vector<std::string>& args, const std::map<std::string, std::string>& config,
                   bool detached, std::string* final_job) {
  // Load it here first: a library that is not a Weir job fails now, with the loader's message.
  cluster::JobLibrary::load(library);
  std::string name = std::filesystem::path(library).filename().string();
  client::RestClient client(jobmanager);
  const std::string blob_key = client::upload_job_library(client, library);
  weir::rpc::JobSpec spec;
  spec.set_kind("library");
  spec.set_name(name);
  spec.set_blob_key(blob_key);
  for (const auto& a : args) spec.add_args(a);
  for (const auto& [k, v] : config) (*spec.mutable_config())[k] = v;
  return submit_to_cluster(jobmanager, cluster::rest::JobSubmissionEndpoints::to_json(spec).dump(), detached,
                           final_job);
}

void register_builtin_jobs() {
  cluster::rpc::register_builtin_job("nexmark", nexmark::build_nexmark_job);
  for (const auto& e : examples::all_examples()) {
    const examples::Example* ex = &e;
    cluster::rpc::register_builtin_job("example:" + e.name,
                                       [ex](const std::vector<std::string>& args, const Configuration& conf) {
                                         return build_example_job(*ex, args, conf);
                                       });
  }
}

namespace {

// One progress update: the plan's sources (once) and the checkpoint statistics beside the job's details.
// Errors only leave parts of the line out: following the job is what matters.
void show_progress(client::RestClient& client, const std::string& id, const nlohmann::json& job,
                   std::optional<std::set<std::string>>& sources, ProgressLine& progress) {
  nlohmann::json checkpoints;
  try {
    if (!sources) {
      auto plan = client.get("/jobs/" + id + "/plan");
      if (plan.status == 200 && plan.body.is_object()) {
        sources.emplace();
        for (const auto& n : plan.body["plan"].value("nodes", nlohmann::json::array()))
          if (!n.contains("inputs")) sources->insert(n.value("id", std::string()));
      }
    }
    auto c = client.get("/jobs/" + id + "/checkpoints");
    if (c.status == 200) checkpoints = c.body;
  } catch (const WeirError&) {
  }
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  progress.show(job_progress(job, checkpoints, sources ? *sources : std::set<std::string>{}, now_ms));
}

}  // namespace

int submit_to_cluster(const std::string& jobmanager, const std::string& spec_json, bool detached,
                      std::string* final_job) {
  client::RestClient client(jobmanager);
  auto reply = client.post("/jobs", nlohmann::json::parse(spec_json));
  if (reply.status != 202) {
    std::fprintf(stderr, "error: the JobManager at %s refused the job: %s\n", jobmanager.c_str(),
                 reply.error_message().c_str());
    return 2;
  }
  std::string id = reply.body.value("jobid", "");
  std::cout << "Job has been submitted with JobID " << id << std::endl;
  if (detached) return 0;
  // With HA a failover may take the JobManager away mid-job: the client follows the new leader (the job
  // keeps its id) for up to a minute of failures in a row.
  std::optional<client::RestClient> follower;
  auto failing_since = std::chrono::steady_clock::time_point::max();
  // The job's progress on standard error: one line in place on a terminal, plain lines otherwise.
  ProgressLine progress(stderr, isatty(fileno(stderr)) != 0);
  std::optional<std::set<std::string>> sources;  // vertices without inputs, from the plan (asked once)
  auto next_progress = std::chrono::steady_clock::now();
  for (;;) {
    client::RestReply job;
    std::string error;
    try {
      job = (follower ? *follower : client).get("/jobs/" + id);
      error = job.status == 200 ? std::string() : job.error_message();
    } catch (const WeirError& e) {
      error = e.what();
    }
    if (!error.empty()) {
      auto now = std::chrono::steady_clock::now();
      failing_since = std::min(failing_since, now);
      if (now - failing_since < std::chrono::minutes(1)) {
        if (auto leader = leader_after_failure()) {
          follower.emplace(*leader);
          std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling the new leader
          continue;
        }
      }
      std::fprintf(stderr, "error: cannot follow job %s: %s\n", id.c_str(), error.c_str());
      return 1;
    }
    failing_since = std::chrono::steady_clock::time_point::max();
    std::string state = job.body.value("state", "");
    const bool ended = state == "FINISHED" || state == "FAILED" || state == "CANCELED";
    if (!ended && std::chrono::steady_clock::now() >= next_progress) {
      next_progress = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      show_progress(follower ? *follower : client, id, job.body, sources, progress);
    }
    if (ended) {
      progress.end();
      if (final_job) *final_job = job.body.dump();
      std::cout << "Job " << id << " " << state << " after " << job.body.value("duration", int64_t{0})
                << " ms"
                << " (restarts: " << job.body.value("restarts", 0) << ")" << std::endl;
      if (state == "FAILED")
        std::fprintf(stderr, "error: %s\n", job.body.value("failure", std::string()).c_str());
      return state == "FINISHED" ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling a remote job's state
  }
}

namespace {

// The options of `weir run` other than the target. They are accepted before the target and, for an
// example, after it too (`weir run word-count --parallelism 2`); after a job library they belong to it.
void add_run_options(CLI::App* c, RunCommand& r) {
  c->add_option("-p,--parallelism", r.parallelism, "Default parallelism of the job")
      ->check(CLI::Range(1, 32768));
  c->add_option("-D", r.defines, "Configuration key=value (repeatable), e.g. -D parallelism.default=2");
  c->add_option("-c,--conf", r.conf_file, "A weir.yaml configuration file")->check(CLI::ExistingFile);
  c->add_option("--input", r.input, "Input text file (examples that read text)")->check(CLI::ExistingFile);
  c->add_option("--output", r.output, "Output directory for part files (default: stdout)");
  c->add_option("--events", r.events, "Number of generated events (examples that generate)")
      ->check(CLI::PositiveNumber);
  c->add_flag("--plan", r.plan, "Print the job graph (chained vertices and edges) instead of running");
  c->add_option(
      "-m,--jobmanager", r.jobmanager,
      "Run on the cluster whose JobManager serves REST at HOST:PORT (default: the embedded MiniCluster)");
  c->add_option("-s,--from-savepoint", r.from_savepoint, "Start from this savepoint or retained checkpoint");
  c->add_flag("--allow-non-restored-state", r.allow_non_restored_state,
              "With -s: start even if some saved state matches no operator");
  c->add_flag("-d,--detached", r.detached, "With --jobmanager: print the job id and return at once");
  c->add_option("--python", r.python,
                "A Python job's script (Flink's -py): `weir run --python job.py [ARGS]`");
  c->add_option("--pyFiles", r.py_files,
                "Python files or package directories the job imports (comma-separated)")
      ->delimiter(',');
  c->add_option("--pyRequirements", r.py_requirements,
                "A requirements.txt the job needs, optionally with a directory of packages to install from "
                "instead of an index: requirements.txt#DIR (Flink's -pyreq); pip installs them for the job");
}

}  // namespace

void add_run_command(CLI::App& app, RunCommand& r) {
  r.cmd = app.add_subcommand(
      "run",
      "Run an example job or a C++ job library (`weir run [OPTIONS] LIB.so [JOB ARGS]`), on "
      "the embedded MiniCluster or, with --jobmanager, on a cluster");
  add_run_options(r.cmd, r);
  // Parsing stops at the first word that is not an option: the target (an example or a library). Everything
  // after it is the job's: a library's arguments, or more options of an example.
  r.cmd->prefix_command();
  r.cmd->footer("TARGET: an example (see `weir examples`) or the path of a C++ job library (.so)");
}

bool run_run_command(const RunCommand& parsed, int& exit_code) {
  if (!parsed.cmd || !*parsed.cmd) return false;
  RunCommand r = parsed;
  r.job_args = parsed.cmd->remaining();
  // An HA cluster's leader is found through ZooKeeper when the configuration names one.
  r.jobmanager = resolve_jobmanager(r.jobmanager, load_configuration(r.conf_file, r.defines));
  if (!r.python.empty()) {
    exit_code = run_python_job(r);
    return true;
  }
  if (r.job_args.empty()) throw ConfigError("weir run: missing TARGET (an example or a job library)");
  r.target = r.job_args.front();
  r.job_args.erase(r.job_args.begin());
  const examples::Example* ex = find_example(r.target);
  if (ex && !r.job_args.empty()) {
    CLI::App more{"weir run " + r.target};
    add_run_options(&more, r);
    std::vector<std::string> args(r.job_args.rbegin(), r.job_args.rend());
    try {
      more.parse(args);
    } catch (const CLI::ParseError& e) {
      throw ConfigError(fmt::format("weir run {}: {}", r.target, e.what()));
    }
    r.job_args.clear();
  }
  Configuration conf = run_configuration(r);
  weir::rpc::JobSpec spec;
  if (ex) {
    if (r.jobmanager.empty()) {
      exit_code = run_example_locally(r, *ex);
      return true;
    }
    spec.set_kind("builtin");
    spec.set_name("example:" + ex->name);
    for (const auto& a : example_args(r)) spec.add_args(a);
  } else if (is_library(r.target)) {
    if (!std::filesystem::exists(r.target))
      throw ConfigError(fmt::format("job library '{}' does not exist", r.target));
    if (r.jobmanager.empty()) {
      exit_code = run_library_locally(r, conf);
      return true;
    }
    std::map<std::string, std::string> config(conf.values().begin(), conf.values().end());
    if (r.plan) throw ConfigError("--plan shows a job on the embedded MiniCluster; drop --jobmanager");
    exit_code = submit_library(r.jobmanager, r.target, r.job_args, config, r.detached);
    return true;
  } else {
    std::string names;
    for (const auto& e : examples::all_examples()) names += (names.empty() ? "" : ", ") + e.name;
    throw JobDefinitionError(fmt::format(
        "unknown example '{}' (available: {}; a job library is a path to a .so file)", r.target, names));
  }
  for (const auto& [k, v] : conf.values()) (*spec.mutable_config())[k] = v;
  if (r.plan) throw ConfigError("--plan shows a job on the embedded MiniCluster; drop --jobmanager");
  exit_code = submit_to_cluster(r.jobmanager, cluster::rest::JobSubmissionEndpoints::to_json(spec).dump(),
                                r.detached);
  return true;
}

}  // namespace weir::cli
