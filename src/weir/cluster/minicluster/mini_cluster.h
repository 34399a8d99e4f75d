#pragma once
// The embedded cluster: one JobManager (dispatcher, resource manager, job masters) and N
// TaskManagers in this process, talking through the gateway interfaces. Records between tasks go
// through serialized buffers and local channels, exactly the path a distributed cluster uses up to
// the socket; with `tcp_network` each TaskManager has its own channels and data plane on loopback, so
// records between TaskManagers cross a real TCP connection.
#include <memory>
#include <string>
#include <vector>

#include "weir/cluster/jobmanager/dispatcher.h"
#include "weir/cluster/jobmanager/job_store_options.h"
#include "weir/cluster/jobmanager/resource_manager.h"
#include "weir/cluster/minicluster/job_client.h"
#include "weir/cluster/taskmanager/task_executor.h"
#include "weir/common/config.h"

namespace weir::cluster {

struct MiniClusterConfig {
  int num_task_managers = 1;
  int slots_per_task_manager = 4;
  std::shared_ptr<Clock> clock;  //!< processing-time source for every task (null: system clock)
  //! minicluster.network = tcp: shuffles between TaskManagers go through their data planes on 127.0.0.1.
  bool tcp_network = false;
  //! taskmanager.state.local.root-dirs: where the TaskManagers keep local copies of snapshots (local
  //! recovery). Each TaskManager uses a directory of its own below each; empty: below the temp directory.
  std::vector<std::string> local_state_root_dirs;
  //! jobstore.*: how long ended jobs are kept whole.
  JobStoreOptions job_store;
};

class MiniCluster {
 public:
  explicit MiniCluster(MiniClusterConfig cfg);
  ~MiniCluster();

  JobClient submit(std::shared_ptr<const graph::JobGraph> jg);
  Dispatcher& dispatcher() { return *dispatcher_; }
  ResourceManager& resource_manager() { return *rm_; }
  const std::vector<std::shared_ptr<TaskExecutor>>& task_executors() const { return tes_; }
  //! The channels of TaskManager `i` (one registry for all of them unless minicluster.network = tcp).
  network::PartitionRegistry& partition_registry(int i) { return *registries_[cfg_.tcp_network ? i : 0]; }
  //! One heartbeat round: every TaskManager reports its task attempts (TaskExecutorGateway::task_attempts)
  //! and every JobMaster reconciles with its report (JobMaster::reconcile_task_manager); attempts of jobs the
  //! Dispatcher does not run any more are cancelled. The embedded cluster has no heartbeat thread (its parts
  //! share a process and fail together): tests and embedders call it to reconcile at a known point.
  void heartbeat();
  //! Cancels running jobs and stops every TaskManager.
  void close();

 private:
  MiniClusterConfig cfg_;
  std::vector<std::shared_ptr<network::PartitionRegistry>> registries_;  // one shared, or one per TaskManager
  std::vector<std::shared_ptr<network::DataPlane>> data_planes_;         // tcp_network only
  std::shared_ptr<ResourceManager> rm_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::vector<std::shared_ptr<TaskExecutor>> tes_;
  bool closed_ = false;
};

}  // namespace weir::cluster
