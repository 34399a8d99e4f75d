#pragma once
// Accepts jobs, starts one JobMaster per job, and answers questions about them. Ended jobs stay for
// jobstore.expiration-time and up to jobstore.max-capacity of them (job_store_options.h); then their
// JobMaster is let go and only a JobSummary remains, so a long-running cluster does not grow with every
// job it ran.
//
// Threading: thread-safe. Lock order: the Dispatcher's lock, then a JobMaster's (never the reverse). The
// Dispatcher owns the JobManager's IoExecutor (io_executor.h), shared by its JobMasters for their blocking
// I/O; the terminal callback runs there, holding no lock. The Dispatcher's lock guards only its maps: no
// I/O or call to another component happens under it but the JobMasters' status getters.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "weir/cluster/jobmanager/job_master.h"
#include "weir/cluster/jobmanager/job_store_options.h"

namespace weir::cluster {

struct JobSummary {
  JobId id;
  std::string name;
  JobStatus status;
  int64_t start_ms = 0;
  int64_t end_ms = 0;  //!< 0 while the job runs
  int restarts = 0;
  std::string failure;    //!< why it failed (FAILED jobs)
  bool archived = false;  //!< its JobMaster left the store: this summary is all that is known
};

//! Runs once per job when it ends, with its JobMaster (the Dispatcher may let go of it any time after).
using JobTerminalCallback = std::function<void(const JobId&, const std::shared_ptr<JobMaster>&)>;

class Dispatcher {
 public:
  //! `on_job_terminal` runs once per job when it ends (the MiniCluster releases the job's channels).
  explicit Dispatcher(std::shared_ptr<ResourceManagerGateway> rm,
                      JobTerminalCallback on_job_terminal = nullptr, JobStoreOptions store = {});
  //! Runs the I/O its JobMasters queued (their end-of-job callbacks among it), then stops the pool.
  ~Dispatcher();
  std::shared_ptr<JobMaster> submit_job(std::shared_ptr<const graph::JobGraph> jg,
                                        std::shared_ptr<Clock> clock);
  //! With HA: runs the job under a given id (a new one, or a recovered job's) with checkpoint hooks.
  //! Throws WeirError when a job of that id runs here already.
  std::shared_ptr<JobMaster> submit_job(std::shared_ptr<const graph::JobGraph> jg,
                                        std::shared_ptr<Clock> clock, const JobId& id,
                                        CheckpointHaHooks checkpoint_ha);
  //! Leadership lost: every JobMaster is suspended (JobMaster::suspend) and forgotten; nothing is canceled.
  void suspend_all(const std::string& why);
  //! The job's JobMaster while the store keeps it; nullptr for unknown and archived jobs.
  std::shared_ptr<JobMaster> job(const JobId& id) const;
  //! The JobMasters the store keeps (running and ended ones).
  std::vector<std::shared_ptr<JobMaster>> jobs() const;
  //! The summary of a job that left the store.
  std::optional<JobSummary> archived(const JobId& id) const;
  //! Every job the store keeps, then the archived ones (archived = true), newest last.
  std::vector<JobSummary> list_jobs() const;
  void cancel_all();

 private:
  std::shared_ptr<JobMaster> make_job(std::shared_ptr<const graph::JobGraph> jg, std::shared_ptr<Clock> clock,
                                      const JobId& id);
  //! Moves ended jobs past the expiration time or the capacity to the archive.
  void expire_locked() const;

  std::shared_ptr<ResourceManagerGateway> rm_;
  JobTerminalCallback on_job_terminal_;
  JobStoreOptions store_;
  mutable std::mutex mu_;
  mutable std::map<JobId, std::shared_ptr<JobMaster>> jobs_;
  mutable std::deque<JobSummary> archived_;  //!< oldest first, at most kArchivedSummaries
  std::shared_ptr<IoExecutor> io_ = std::make_shared<IoExecutor>();
};

}  // namespace weir::cluster
