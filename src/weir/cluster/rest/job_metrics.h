#pragma once
// Per-job figures for /overview and the Prometheus text of /metrics: jobs by state, and per job its
// status, restarts, completed and failed checkpoints, and the last checkpoint's duration and size.
//
// Threading: any thread (the Dispatcher and JobMasters are thread-safe).
#include <string>

#include "weir/cluster/jobmanager/dispatcher.h"

namespace weir::cluster::rest {

struct JobCounts {
  int running = 0;  //!< not yet ended (created, running, restarting, failing, canceling)
  int finished = 0;
  int canceled = 0;
  int failed = 0;
};
JobCounts count_jobs(const Dispatcher& dispatcher);

//! Prometheus text: weir_job_status (1 per job, its state as a label), weir_job_restarts_total,
//! weir_job_checkpoints_completed_total, weir_job_checkpoints_failed_total,
//! weir_job_last_checkpoint_duration_seconds, weir_job_last_checkpoint_size_bytes; each labeled
//! job_id and job_name.
std::string job_metrics(const Dispatcher& dispatcher);

}  // namespace weir::cluster::rest
