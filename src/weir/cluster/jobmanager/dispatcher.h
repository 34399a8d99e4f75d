#pragma once
// Accepts jobs, starts one JobMaster per job, and answers questions about them.
//
// Threading: thread-safe.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "weir/cluster/jobmanager/job_master.h"

namespace weir::cluster {

struct JobSummary {
  JobId id;
  std::string name;
  JobStatus status;
};

class Dispatcher {
 public:
  //! `on_job_terminal` runs once per job when it ends (the MiniCluster releases the job's channels).
  explicit Dispatcher(std::shared_ptr<ResourceManagerGateway> rm,
                      std::function<void(const JobId&)> on_job_terminal = nullptr)
      : rm_(std::move(rm)), on_job_terminal_(std::move(on_job_terminal)) {}
  std::shared_ptr<JobMaster> submit_job(std::shared_ptr<const graph::JobGraph> jg,
                                        std::shared_ptr<Clock> clock);
  //! With HA: runs the job under a given id (a new one, or a recovered job's) with checkpoint hooks.
  //! Throws WeirError when a job of that id runs here already.
  std::shared_ptr<JobMaster> submit_job(std::shared_ptr<const graph::JobGraph> jg,
                                        std::shared_ptr<Clock> clock, const JobId& id,
                                        CheckpointHaHooks checkpoint_ha);
  //! Leadership lost: every JobMaster is suspended (JobMaster::suspend) and forgotten; nothing is canceled.
  void suspend_all(const std::string& why);
  std::shared_ptr<JobMaster> job(const JobId& id) const;
  std::vector<JobSummary> list_jobs() const;
  void cancel_all();

 private:
  std::shared_ptr<ResourceManagerGateway> rm_;
  std::function<void(const JobId&)> on_job_terminal_;
  mutable std::mutex mu_;
  std::map<JobId, std::shared_ptr<JobMaster>> jobs_;
};

}  // namespace weir::cluster
