#pragma once
// Runs one job: allocates slots, deploys one Task per subtask, follows their states, and decides the
// job's state. A failing task fails the job (restart strategies arrive with checkpoints): the other
// tasks are canceled and the job ends FAILED with the task's error.
//
// Threading: gateway calls from task threads and client calls from any thread, guarded by mu_.
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "weir/cluster/gateways.h"
#include "weir/cluster/jobmanager/execution_graph.h"

namespace weir::cluster {

class JobMaster final : public JobMasterGateway, public std::enable_shared_from_this<JobMaster> {
 public:
  JobMaster(JobId id, std::shared_ptr<const graph::JobGraph> jg, std::shared_ptr<ResourceManagerGateway> rm,
            std::shared_ptr<Clock> clock, std::function<void(const JobId&)> on_terminal);

  void start();
  void cancel();
  void update_task_execution_state(const TaskStateUpdate& update) override;

  JobStatus status() const;
  //! Waits until the job is terminal (or `timeout` passes); returns the status then.
  JobStatus wait(std::chrono::milliseconds timeout = std::chrono::milliseconds::max()) const;
  std::string failure() const;
  const JobId& id() const { return id_; }
  const std::string& name() const { return jg_->name; }
  int64_t start_time_ms() const { return start_ms_; }
  int64_t end_time_ms() const;
  //! Per-vertex subtask states (REST, CLI, tests).
  ExecutionGraph snapshot() const;

 private:
  void cancel_all_locked();
  void transition_locked(JobStatus s);

  JobId id_;
  std::shared_ptr<const graph::JobGraph> jg_;
  std::shared_ptr<ResourceManagerGateway> rm_;
  std::shared_ptr<Clock> clock_;
  std::function<void(const JobId&)> on_terminal_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  JobStatus status_ = JobStatus::kCreated;
  ExecutionGraph eg_;
  std::map<std::pair<int, int>, NodeId> placement_;
  std::string failure_;
  int64_t start_ms_ = 0;
  int64_t end_ms_ = 0;
};

}  // namespace weir::cluster
