#pragma once
// The JobManager process's control-plane server: the JobManagerService (TaskManager registration, slot
// offers, heartbeats, disconnects, listing; task state updates and checkpoint messages from tasks), the
// heartbeat monitor that sends heartbeats to every live TaskManager and marks one lost when it has not
// been heard from for heartbeat.timeout, and the jobs: a Dispatcher whose JobMasters deploy tasks through
// RemoteTaskExecutors, one per registered TaskManager, held by an elastic ResourceManager. A lost,
// disconnected or re-registering TaskManager leaves the ResourceManager and every job is told
// (JobMaster::on_task_manager_lost), so its tasks fail over to the remaining or newly registered ones.
//
// Heartbeat reconciliation (cluster/README.md): before each round of heartbeats the monitor takes every
// JobMaster's heartbeat_token(); a TaskManager's answer carries the task attempts present there, and the
// reconciler thread hands it to every JobMaster (JobMaster::reconcile_task_manager), which cancels what it
// does not follow and fails what it expects there and is missing.
//
// Threading: gRPC's server threads run the service methods; one monitor thread sends heartbeats
// (asynchronously, answers arrive on gRPC's threads) and expires TaskManagers; one reconciler thread
// reconciles the answers (the latest per TaskManager, so at most one queued per TaskManager). Shared state
// is the TaskManagerRegistry, the ResourceManager and the Dispatcher (all thread-safe), executors_
// (executors_mu_) and reports_ (reports_mu_).
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "weir/cluster/blob/blob_server.h"
#include "weir/cluster/jobmanager/dispatcher.h"
#include "weir/cluster/jobmanager/resource_manager.h"
#include "weir/cluster/rpc/cluster.pb.h"
#include "weir/cluster/rpc/remote_task_executor.h"
#include "weir/cluster/rpc/rpc_options.h"
#include "weir/cluster/rpc/task_manager_registry.h"
#include "weir/common/config.h"
#include "weir/common/serial_executor.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace weir::cluster::rpc {

//! What a leading JobManager does through high-availability storage (ha_job_manager.h fills it in; empty
//! without HA). Each member may throw, e.g. a FencingError once the JobManager no longer leads.
struct JobManagerHaHooks {
  //! Stores a job's spec durably before the job runs (the JobGraphStore).
  std::function<void(const JobId&, const weir::rpc::JobSpec&)> persist_job;
  //! The job's checkpoint ids and completed checkpoints (counter and store in ZooKeeper).
  std::function<CheckpointHaHooks(const JobId&)> checkpoint_hooks;
  //! The job ended (FINISHED, CANCELED or FAILED with `error`): record its result and clean its HA data up.
  //! Runs on a thread of its own, in order, never under a JobMaster's lock.
  std::function<void(const JobId&, JobStatus, const std::string& error)> job_ended;
  //! The blob store's directory, shared by every JobManager of the cluster and kept at shutdown (a new
  //! leader serves the job libraries of the jobs it recovers); empty: a directory of this server's own.
  std::string blob_dir;
};

class JobManagerServer {
 public:
  //! Binds jobmanager.rpc.address:jobmanager.rpc.port (0 = any free port) and starts serving; throws
  //! ConfigError for bad heartbeat settings and WeirError when the address cannot be bound.
  //! `id` is the fencing token TaskManagers check on every request (with HA: the leader session id);
  //! empty: a random one. `ha`: see JobManagerHaHooks.
  explicit JobManagerServer(const Configuration& conf, std::string id = {}, JobManagerHaHooks ha = {});
  ~JobManagerServer();
  JobManagerServer(const JobManagerServer&) = delete;
  JobManagerServer& operator=(const JobManagerServer&) = delete;

  //! HOST:PORT with the port actually bound.
  const std::string& address() const { return address_; }
  const std::string& id() const { return id_; }
  TaskManagerRegistry& registry() { return registry_; }
  Dispatcher& dispatcher() { return *dispatcher_; }
  ResourceManager& resource_manager() { return *rm_; }
  //! Job artifacts (C++ job libraries), served to clients and TaskManagers by the BlobService on this server.
  blob::BlobServer& blob_server() { return *blob_server_; }
  //! The executor of a live TaskManager whose slots were accepted; null otherwise (REST's TaskManager
  //! details and logs ask it).
  std::shared_ptr<RemoteTaskExecutor> task_executor(const std::string& tm_id);
  //! Plans and starts a job; returns its id. Throws WeirError saying what is wrong with the spec.
  JobId submit_job(const weir::rpc::JobSpec& spec);
  //! A new leader runs a job again under its id, from the checkpoint directory `restore_path` (empty: as
  //! the spec says, e.g. from its savepoint). Not persisted again.
  JobId recover_job(const JobId& id, weir::rpc::JobSpec spec, const std::string& restore_path);
  //! Stops the monitor and the server; idempotent.
  void shutdown();

 private:
  class Service;
  void monitor_loop();
  //! Adds a TaskManager whose slots were accepted to the ResourceManager (once per registration).
  void add_task_executor(const std::string& tm_id);
  //! The TaskManager is gone: its slots leave the ResourceManager and every job fails over its tasks.
  void remove_task_executor(const std::string& tm_id, const std::string& why);
  //! After a task failure or a failed deployment: asks every TaskManager for a heartbeat (on probes_) and
  //! removes those that do not answer within heartbeat.interval, so a killed TaskManager's slots are gone
  //! before the restart instead of after heartbeat.timeout (its peers' data connections broke at once).
  void probe_task_managers();
  JobId run_job(const JobId& id, const weir::rpc::JobSpec& spec, bool persist);

  //! Every JobMaster's heartbeat token, taken before a round of heartbeats is sent (weak: a round in flight
  //! keeps no JobMaster the Dispatcher let go of).
  using HeartbeatTokens = std::vector<std::pair<std::weak_ptr<JobMaster>, uint64_t>>;
  //! A TaskManager's answer to a heartbeat of the round `tokens` were taken for.
  struct HeartbeatReport {
    std::shared_ptr<RemoteTaskExecutor> te;  // the TaskManager's executor when the heartbeat was sent
    std::shared_ptr<const HeartbeatTokens> tokens;
    weir::rpc::HeartbeatResponse response;
  };
  //! From a heartbeat's callback: keeps the TaskManager's latest report and wakes the reconciler.
  void post_report(const std::string& tm_id, HeartbeatReport report);
  //! On reconciler_: reconciles the reports posted since the last time.
  void reconcile_reports();
  void reconcile(const std::string& tm_id, const HeartbeatReport& report);

  HeartbeatSettings heartbeat_;
  std::string id_;
  std::string address_;
  TaskManagerRegistry registry_;
  std::shared_ptr<ResourceManager> rm_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::mutex executors_mu_;
  std::map<std::string, std::shared_ptr<RemoteTaskExecutor>> executors_;  // REQUIRES: executors_mu_
  int next_node_ = 1;                                                     // REQUIRES: executors_mu_
  std::atomic<bool> probe_pending_{false};
  // What a RemoteTaskExecutor's failed deployment calls to ask for a probe round. The executors may outlive
  // this server (the ResourceManager and late deployments hold them), so they hold this, not the server:
  // the destructor clears `server` under `mu` before anything a probe touches goes.
  struct ProbeHook {
    std::mutex mu;
    JobManagerServer* server = nullptr;  // REQUIRES: mu held
  };
  std::shared_ptr<ProbeHook> probe_hook_ = std::make_shared<ProbeHook>();
  std::unique_ptr<SerialExecutor> probes_;
  JobManagerHaHooks ha_;
  std::unique_ptr<SerialExecutor> ha_calls_;  // job_ended, in order
  std::mutex reports_mu_;
  std::map<std::string, HeartbeatReport> reports_;  // REQUIRES: reports_mu_; the latest per TaskManager
  bool reconcile_queued_ = false;                   // REQUIRES: reports_mu_
  std::unique_ptr<SerialExecutor> reconciler_;      // reconcile_reports
  std::unique_ptr<blob::BlobServer> blob_server_;
  std::unique_ptr<grpc::Service> blob_service_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // REQUIRES: mu_ held
  std::thread monitor_;
};

}  // namespace weir::cluster::rpc
