#include "cluster_commands.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>

#include <fmt/format.h>

#include "cli_configuration.h"
#include "weir/cluster/rest/job_manager_endpoints.h"
#include "weir/cluster/rest/job_submission_endpoints.h"
#include "weir/cluster/rest/rest_options.h"
#include "weir/cluster/rest/rest_server.h"
#include "weir/cluster/rest/task_manager_metrics.h"
#include "weir/cluster/rpc/cluster_client.h"
#include "weir/cluster/rpc/ha_job_manager.h"
#include "weir/cluster/rpc/job_manager_server.h"
#include "weir/cluster/rpc/malloc_arenas.h"
#include "weir/cluster/rpc/task_manager_runner.h"
#include "weir/common/config.h"
#include "weir/common/log.h"
#include "weir/ha/ha_options.h"
#include "weir/ha/ha_services.h"

namespace weir::cli {

namespace {

// The configuration of a cluster process; its logging (log.level, log.level.<name>, log.file) applies at
// once.
Configuration load(const ClusterCommands& c) {
  Configuration conf = load_configuration(c.conf_file, c.defines);
  log::configure(conf);
  return conf;
}

// Blocks SIGTERM and SIGINT in this thread before any other thread exists, so every thread gRPC starts
// inherits the mask and the signals wait for wait_for_stop_signal() instead of killing the process.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Waits for SIGTERM/SIGINT (returns its name) or until `give_up` says to stop (returns "").
template <typename GiveUp>
std::string wait_for_stop_signal(const sigset_t& set, GiveUp give_up) {
  timespec tick{0, 100'000'000};
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGTERM) return "SIGTERM";
    if (sig == SIGINT) return "SIGINT";
    if (give_up()) return "";
  }
}

// One leadership term's REST routes (the same as a JobManager without HA has), over its server.
struct LeaderTerm {
  std::shared_ptr<cluster::rpc::JobManagerServer> server;
  cluster::rest::RestServer routes;  // never started: the public server dispatches to it
  std::unique_ptr<cluster::rest::JobManagerEndpoints> endpoints;
  std::unique_ptr<cluster::rest::JobSubmissionEndpoints> submission;
};

// A JobManager with high-availability.type: zookeeper: a contender in the leader election. Its public REST
// server lives as long as the process: the leader's answers come from the current term's routes; a
// standby answers 503 naming the leader's REST address.
int run_ha_jobmanager(Configuration conf, const ha::HaSettings& settings, const sigset_t& set) {
  std::mutex mu;
  std::shared_ptr<LeaderTerm> term;  // REQUIRES: mu
  std::unique_ptr<cluster::rpc::HaJobManager> contender;
  std::atomic<cluster::rpc::HaJobManager*> contender_for_rest{nullptr};  // REST threads read it
  cluster::rest::RestServer rest;
  rest.set_fallback([&](const cluster::rest::RestRequest& req) {
    std::shared_ptr<LeaderTerm> t;
    {
      std::lock_guard lock(mu);
      t = term;
    }
    if (t) return t->routes.dispatch(req);
    auto* c = contender_for_rest.load();
    auto leader = c ? c->leader() : std::nullopt;
    nlohmann::json body;
    body["errors"] = {leader ? fmt::format("this JobManager is a standby; the leader's REST API is at {}",
                                           leader->rest_address)
                             : std::string("this JobManager is a standby and no leader is elected yet")};
    if (leader)
      body["leader"] = {{"rest_address", leader->rest_address},
                        {"rpc_address", leader->rpc_address},
                        {"leader_session_id", leader->session.str()}};
    return cluster::rest::RestResponse::json(body, 503);
  });
  rest.set_max_body_bytes(static_cast<size_t>(conf.get_memory(options::kRestMaxContentLength, true)),
                          options::kRestMaxContentLength.key());
  rest.start(conf.get_string(options::kRestAddress), static_cast<int>(conf.get_int(options::kRestPort)),
             "rest.address, rest.port");
  cluster::rpc::HaJobManager::TermListener listener;
  listener.start = [&](const std::shared_ptr<cluster::rpc::JobManagerServer>& server) {
    auto t = std::make_shared<LeaderTerm>();
    t->server = server;
    t->endpoints = std::make_unique<cluster::rest::JobManagerEndpoints>(server->registry(), conf,
                                                                        &server->dispatcher(), server.get());
    t->endpoints->add_routes(t->routes);
    t->submission = std::make_unique<cluster::rest::JobSubmissionEndpoints>(
        [server](const weir::rpc::JobSpec& spec) { return server->submit_job(spec); },
        [server](const std::string& bytes) { return server->blob_server().put(bytes).hex(); });
    t->submission->add_routes(t->routes);
    std::lock_guard lock(mu);
    term = std::move(t);
  };
  listener.stop = [&] {
    std::lock_guard lock(mu);
    term.reset();
  };
  contender = std::make_unique<cluster::rpc::HaJobManager>(conf, settings, rest.address(), listener);
  contender->start();
  contender_for_rest = contender.get();
  std::cout << "JOBMANAGER ha=zookeeper quorum=" << settings.zookeeper.quorum
            << " cluster=" << settings.cluster_znode() << std::endl;
  std::cout << "REST http=" << rest.address() << std::endl;
  std::string sig = wait_for_stop_signal(set, [] { return false; });
  log::get("jobmanager").info("{} received, leaving the leader election", sig);
  contender->close();  // a leader's jobs are suspended, not canceled: a standby recovers them
  rest.stop();
  contender_for_rest = nullptr;
  contender.reset();
  return 0;
}

int run_jobmanager(const ClusterCommands& c) {
  Configuration conf = load(c);
  sigset_t set = block_stop_signals();
  if (auto settings = ha::resolve_ha_settings(conf); settings.type == ha::HaType::kZooKeeper)
    return run_ha_jobmanager(std::move(conf), settings, set);
  cluster::rpc::JobManagerServer server(conf);
  // Declared after `server`: its handlers read server's registry, so it must stop first.
  cluster::rest::RestServer rest;
  cluster::rest::JobManagerEndpoints endpoints(server.registry(), conf, &server.dispatcher(), &server);
  endpoints.add_routes(rest);
  cluster::rest::JobSubmissionEndpoints submission(
      [&server](const weir::rpc::JobSpec& spec) { return server.submit_job(spec); },
      [&server](const std::string& bytes) { return server.blob_server().put(bytes).hex(); });
  submission.add_routes(rest);
  rest.set_max_body_bytes(static_cast<size_t>(conf.get_memory(options::kRestMaxContentLength, true)),
                          options::kRestMaxContentLength.key());
  rest.start(conf.get_string(options::kRestAddress), static_cast<int>(conf.get_int(options::kRestPort)),
             "rest.address, rest.port");
  std::cout << "JOBMANAGER rpc=" << server.address() << " id=" << server.id() << std::endl;
  std::cout << "REST http=" << rest.address() << std::endl;
  std::string sig = wait_for_stop_signal(set, [] { return false; });
  log::get("jobmanager").info("{} received, shutting down", sig);
  rest.stop();
  server.shutdown();
  return 0;
}

int run_taskmanager(const ClusterCommands& c) {
  Configuration conf = load(c);
  // Before any thread allocates: every new thread would get an arena of its own.
  if (auto arenas = cluster::rpc::apply_malloc_arena_max(conf))
    log::get("taskmanager").info("malloc arenas capped at {} (taskmanager.memory.malloc-arena-max)", *arenas);
  sigset_t set = block_stop_signals();
  // With HA the leader is found (and followed) through ZooKeeper; jobmanager.rpc.* are not needed.
  const ha::HaSettings ha_settings = ha::resolve_ha_settings(conf);
  const bool follow_leader = ha_settings.type == ha::HaType::kZooKeeper;
  std::unique_ptr<ha::ZooKeeperHaServices> ha_services;
  std::unique_ptr<ha::LeaderRetriever> retriever;
  if (follow_leader) ha_services = ha::ZooKeeperHaServices::create(ha_settings);
  cluster::rpc::TaskManagerRunner tm(conf, follow_leader);
  // Declared after `tm`: its /metrics handler reads tm, so it must stop first.
  cluster::rest::RestServer metrics;
  const int metrics_port = static_cast<int>(conf.get_int(options::kTaskManagerMetricsPort));
  if (metrics_port >= 0) {
    metrics.add_route("GET", "/metrics", [&tm](const cluster::rest::RestRequest&) {
      return cluster::rest::RestResponse::text(
          cluster::rest::task_manager_metrics(tm.num_slots(), tm.num_running_tasks(), tm.task_metrics()),
          "text/plain; version=0.0.4");
    });
    metrics.start(conf.get_string(options::kTaskManagerHost), metrics_port,
                  "taskmanager.host, taskmanager.metrics.port");
  }
  std::cout << "TASKMANAGER id=" << tm.id() << " rpc=" << tm.rpc_address() << " data_port=" << tm.data_port()
            << " slots=" << tm.num_slots() << std::endl;
  if (metrics_port >= 0) std::cout << "METRICS http=" << metrics.address() << std::endl;
  tm.start();
  if (follow_leader) {
    retriever = ha_services->create_leader_retriever(
        ha::ZooKeeperHaServices::kJobManager, [&tm](const std::optional<ha::LeaderInfo>& leader) {
          if (leader) tm.follow_leader(leader->rpc_address, leader->session.str());
        });
    retriever->start();
  }
  std::string sig = wait_for_stop_signal(set, [&tm] { return tm.failed(); });
  if (retriever) retriever->close();
  if (sig.empty()) {
    std::fprintf(stderr, "error: %s\n", tm.failure().c_str());
    metrics.stop();
    tm.shutdown("failed");  // the JobManager is told tm.failure() (TaskManagerRunner::shutdown)
    return 1;
  }
  metrics.stop();
  tm.shutdown(sig + " received");
  return 0;
}

int list_taskmanagers(const ClusterCommands& c) {
  cluster::rpc::check_host_port("--jobmanager", c.jobmanager);
  for (const auto& tm : cluster::rpc::list_task_managers(c.jobmanager, std::chrono::seconds(5)))
    std::cout << fmt::format(
        "TASKMANAGER id={} rpc={} data_port={} slots={} offered={} status={} "
        "last_heartbeat_ms={}\n",
        tm.id, tm.rpc_address, tm.data_port, tm.num_slots, tm.offered_slots, tm.status,
        tm.millis_since_heartbeat);
  return 0;
}

void add_process_options(CLI::App* cmd, ClusterCommands& c) {
  cmd->add_option("-c,--conf,--config", c.conf_file, "A weir.yaml configuration file")
      ->check(CLI::ExistingFile);
  cmd->add_option("-D", c.defines, "Configuration key=value (repeatable), e.g. -D jobmanager.rpc.port=0");
}

}  // namespace

void add_cluster_commands(CLI::App& app, ClusterCommands& c) {
  c.jobmanager_cmd = app.add_subcommand(
      "jobmanager",
      "Run a JobManager process (prints 'JOBMANAGER rpc=HOST:PORT' and 'REST http=HOST:PORT'; stops on "
      "SIGTERM)");
  add_process_options(c.jobmanager_cmd, c);
  c.taskmanager_cmd = app.add_subcommand(
      "taskmanager",
      "Run a TaskManager process that registers at jobmanager.rpc.address:jobmanager.rpc.port (prints "
      "'TASKMANAGER id=...' and 'METRICS http=HOST:PORT'; stops on SIGTERM)");
  add_process_options(c.taskmanager_cmd, c);
  c.list_cmd = app.add_subcommand("list-taskmanagers", "List the TaskManagers a running JobManager knows");
  c.list_cmd->add_option("-m,--jobmanager", c.jobmanager, "The JobManager's RPC address, HOST:PORT")
      ->required();
}

bool run_cluster_commands(const ClusterCommands& c, int& exit_code) {
  if (*c.jobmanager_cmd) {
    exit_code = run_jobmanager(c);
    return true;
  }
  if (*c.taskmanager_cmd) {
    exit_code = run_taskmanager(c);
    return true;
  }
  if (*c.list_cmd) {
    exit_code = list_taskmanagers(c);
    return true;
  }
  return false;
}

}  // namespace weir::cli
