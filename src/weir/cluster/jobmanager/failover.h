#pragma once
// What a JobMaster does when a task fails (Flink's ExecutionFailureHandler with
// RestartPipelinedRegionFailoverStrategy, taken out of the scheduler): the restart strategy decides whether
// to restart (or the job fails), the failover strategy decides what restarts: the failed task's pipelined
// region (FailoverRegions; the job stays RUNNING while its tasks are canceled and redeployed) or, when that
// region is the whole job, every task (the job goes RESTARTING). A restart of either kind first reads the
// newest readable retained checkpoint (on the JobMaster's I/O lane), counts the new attempt and deploys the
// restarted tasks restored from it.
//
// Threading: Under the JobMaster's lock. Every member is called with the JobMaster's mu_ held; the timer
// actions it schedules take that lock before they call back in. It owns no thread and no lock of its own.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "weir/cluster/jobmanager/failover_regions.h"
#include "weir/cluster/jobmanager/restart_strategy.h"

namespace weir::cluster {

class JobMaster;

class Failover {
 public:
  explicit Failover(JobMaster& jm) : jm_(jm) {}
  Failover(const Failover&) = delete;
  Failover& operator=(const Failover&) = delete;

  //! At the job's start: the restart strategy and the regions (null strategy: never restart).
  void configure(std::unique_ptr<RestartStrategy> strategy, FailoverRegions regions);
  //! A task failed (`vertex` < 0: not one task's failure, e.g. checkpoints beyond their tolerance: the whole
  //! job fails over). Aborts pending checkpoints; restarts the task's region or the job, or fails the job.
  //! The caller has recorded the failure in the exception history.
  void on_task_failure(const std::string& task, const std::string& error, int vertex, int subtask);
  //! A subtask's current attempt has ended: when it was the last of a failing region, the region's restart
  //! is scheduled.
  void on_task_terminal(int vertex, int subtask);
  //! Is any region failing over (its tasks being canceled, or waiting for its restart)?
  bool regions_restarting() const { return !restarting_regions_.empty(); }
  //! Regions waiting to restart stay down (the job is being canceled, or fails over as a whole).
  void forget_region_restarts() { restarting_regions_.clear(); }
  //! The job is RESTARTING and every task has ended: restart it after the strategy's delay.
  void schedule_restart();

 private:
  void cancel_region(int region);
  bool region_terminal(int region) const;
  void schedule_region_restart(int region);
  //! Timer actions (the JobMaster's lock held): redeploy one region, or the whole job.
  void restart_region(int region);
  void restart();
  //! On the lane: reads the newest readable retained checkpoint (no lock held), then under the lock, if
  //! `wanted()` still holds, counts the new attempt, sets the JobMaster's restore point and calls `then`
  //! (false when checkpoints were retained but none can be read: the JobMaster's failure says why).
  void restore_latest_then(std::function<bool()> wanted, std::function<void(bool)> then);
  //! `fn` as a timer action: runs under the JobMaster's lock while the JobMaster lives.
  std::function<void()> under_lock(std::function<void()> fn);

  JobMaster& jm_;
  std::unique_ptr<RestartStrategy> strategy_;
  int64_t restart_delay_ms_ = 0;  // of the pending whole-job restart
  FailoverRegions regions_;
  std::map<int, int64_t> restarting_regions_;  // failing-over region -> restart delay (ms)
};

}  // namespace weir::cluster
