#pragma once
// The TaskManager process's side of the control plane: it serves the TaskManagerService (heartbeats,
// task deployment, cancellation and checkpoint messages from the JobManager; tasks run on a TaskHost),
// runs its data plane (network/data_plane.h, on taskmanager.data.port), registers at the JobManager,
// offers its slots and sends heartbeats.
// When the JobManager stops answering for heartbeat.timeout, or no longer knows this TaskManager, it
// registers again; when it cannot register within taskmanager.registration.timeout it fails. Its answer
// to its JobManager's heartbeat lists the task attempts present here (TaskHost::task_attempts), which the
// JobManager reconciles with its JobMasters (cluster/README.md, "Heartbeat reconciliation").
//
// Threading: one connection thread registers and sends heartbeats; gRPC's server threads answer the
// JobManager's heartbeats. They share only atomics and the mutex-guarded fields below.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weir/cluster/rpc/rpc_options.h"
#include "weir/cluster/rpc/task_host.h"
#include "weir/common/config.h"

namespace grpc {
class Server;
}

namespace weir::cluster::rpc {

class TaskManagerRunner {
 public:
  //! Binds the RPC server (taskmanager.host:taskmanager.rpc.port) and starts the data plane on
  //! taskmanager.data.port; throws ConfigError / WeirError naming the key when it cannot. Does not yet
  //! contact the JobManager.
  //! With `follow_leader` (high availability) the JobManager's address is not configured but told by
  //! follow_leader() calls (a LeaderRetriever's); jobmanager.rpc.* are not read.
  explicit TaskManagerRunner(const Configuration& conf, bool follow_leader = false);
  ~TaskManagerRunner();
  TaskManagerRunner(const TaskManagerRunner&) = delete;
  TaskManagerRunner& operator=(const TaskManagerRunner&) = delete;

  //! Starts registering and heartbeating on the connection thread.
  void start();
  //! High availability: the leader is now the JobManager at `rpc_address` in leader session `session`
  //! (empty address: none is known). A new session ends the connection to the previous leader (its tasks
  //! are canceled: the new leader recovers them) and registers at the new one, offering every slot.
  void follow_leader(const std::string& rpc_address, const std::string& session);
  //! Tells the JobManager this TaskManager leaves (best effort), then stops everything; idempotent. The
  //! reason the JobManager gets (in its log and the exceptions of the jobs that ran here) is failure()
  //! when the TaskManager failed, `reason` otherwise.
  void shutdown(const std::string& reason);

  //! Set when the TaskManager gave up (registration timed out, or its connection thread failed);
  //! failure() says why.
  bool failed() const { return failed_.load(); }
  std::string failure() const;

  const std::string& id() const { return id_; }
  const std::string& rpc_address() const { return rpc_address_; }
  int data_port() const { return data_port_; }
  int num_slots() const { return num_slots_; }
  //! Counters of this TaskManager's tasks (running and recently ended); any thread, until shutdown().
  std::vector<TaskMetrics> task_metrics() const { return host_->task_metrics(); }
  size_t num_running_tasks() const { return host_->num_running_tasks(); }
  //! The jobs this TaskManager keeps something of (TaskHost::jobs_held()).
  std::vector<std::string> jobs_held() const { return host_->jobs_held(); }
  //! What restores of tasks here read (local recovery: from the checkpoint storage or local copies).
  const RestoreCounters& restore_counters() const { return host_->restore_counters(); }

 private:
  class Service;
  void connection_loop();
  //! One registration attempt plus slot offer; returns an error message, empty on success.
  [[nodiscard]] std::string try_register();
  bool wait_or_stop(std::chrono::milliseconds d);  // true when stopping

  Configuration conf_;
  HeartbeatSettings heartbeat_;
  std::string id_;
  const bool follow_leader_;
  std::string job_manager_address_;  // REQUIRES: mu_ held when following the leader
  std::string leader_session_;       // REQUIRES: mu_ held; the session follow_leader() named
  bool leader_changed_ = false;      // REQUIRES: mu_ held; set by follow_leader(), read by the connection
  std::string rpc_address_;
  int data_port_ = 0;
  int num_slots_ = 0;
  std::chrono::milliseconds registration_timeout_;

  std::unique_ptr<TaskHost> host_;  // runs the deployed tasks
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;       // REQUIRES: mu_ held
  std::string job_manager_id_;  // REQUIRES: mu_ held; empty while not registered
  std::string failure_;         // REQUIRES: mu_ held
  std::chrono::steady_clock::time_point last_job_manager_contact_;  // REQUIRES: mu_ held
  std::atomic<bool> failed_{false};
  std::thread connection_;
};

}  // namespace weir::cluster::rpc
