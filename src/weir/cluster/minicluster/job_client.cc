#include "weir/cluster/minicluster/job_client.h"

#include "weir/common/error.h"

namespace weir::cluster {

JobExecutionResult JobClient::wait() const {
  JobStatus s = jm_->wait();
  if (s == JobStatus::kFailed) throw JobExecutionError("job '" + jm_->name() + "' failed: " + jm_->failure());
  if (s == JobStatus::kCanceled) throw JobCanceledError("job '" + jm_->name() + "' was canceled");
  return {jm_->id(), jm_->end_time_ms() - jm_->start_time_ms()};
}

}  // namespace weir::cluster
