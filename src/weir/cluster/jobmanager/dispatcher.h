#pragma once
// Accepts jobs, starts one JobMaster per job, and answers questions about them.
//
// Threading: thread-safe.
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
  Dispatcher(std::shared_ptr<ResourceManagerGateway> rm) : rm_(std::move(rm)) {}
  std::shared_ptr<JobMaster> submit_job(std::shared_ptr<const graph::JobGraph> jg, std::shared_ptr<Clock> clock);
  std::shared_ptr<JobMaster> job(const JobId& id) const;
  std::vector<JobSummary> list_jobs() const;
  void cancel_all();

 private:
  std::shared_ptr<ResourceManagerGateway> rm_;
  mutable std::mutex mu_;
  std::map<JobId, std::shared_ptr<JobMaster>> jobs_;
};

}  // namespace weir::cluster
