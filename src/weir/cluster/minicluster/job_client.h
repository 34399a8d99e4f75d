#pragma once
// A handle on a submitted job: status, cancel, wait for the result.
#include <chrono>
#include <memory>

#include "weir/cluster/jobmanager/job_master.h"

namespace weir::cluster {

class JobClient {
 public:
  explicit JobClient(std::shared_ptr<JobMaster> jm) : jm_(std::move(jm)) {}
  JobId job_id() const { return jm_->id(); }
  JobStatus status() const { return jm_->status(); }
  void cancel() { jm_->cancel(); }
  //! Waits for the job to end. Throws JobExecutionError if it failed, JobCanceledError if canceled.
  JobExecutionResult wait() const;
  //! Waits at most `timeout`; returns the status then.
  JobStatus wait_for(std::chrono::milliseconds timeout) const { return jm_->wait(timeout); }
  std::future<std::string> trigger_savepoint(const std::string& dir) { return jm_->trigger_savepoint(dir); }
  std::future<std::string> trigger_checkpoint() { return jm_->trigger_checkpoint(); }
  std::future<std::string> stop_with_savepoint(const std::string& dir, bool drain = false) {
    return jm_->stop_with_savepoint(dir, drain);
  }
  const JobMaster& job_master() const { return *jm_; }

 private:
  std::shared_ptr<JobMaster> jm_;
};

}  // namespace weir::cluster
