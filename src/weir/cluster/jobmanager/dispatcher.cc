#include "weir/cluster/jobmanager/dispatcher.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::cluster {

std::shared_ptr<JobMaster> Dispatcher::submit_job(std::shared_ptr<const graph::JobGraph> jg,
                                                  std::shared_ptr<Clock> clock) {
  JobId id = JobId::generate();
  auto jm = std::make_shared<JobMaster>(id, std::move(jg), rm_, std::move(clock), on_job_terminal_);
  {
    std::lock_guard lock(mu_);
    jobs_[id] = jm;
  }
  jm->start();
  return jm;
}

std::shared_ptr<JobMaster> Dispatcher::submit_job(std::shared_ptr<const graph::JobGraph> jg,
                                                  std::shared_ptr<Clock> clock, const JobId& id,
                                                  CheckpointHaHooks checkpoint_ha) {
  auto jm = std::make_shared<JobMaster>(id, std::move(jg), rm_, std::move(clock), on_job_terminal_);
  jm->set_checkpoint_ha_hooks(std::move(checkpoint_ha));
  {
    std::lock_guard lock(mu_);
    if (jobs_.count(id)) throw WeirError(fmt::format("job {} runs already", id.to_string()));
    jobs_[id] = jm;
  }
  jm->start();
  return jm;
}

void Dispatcher::suspend_all(const std::string& why) {
  std::map<JobId, std::shared_ptr<JobMaster>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(jobs_);
  }
  for (auto& [id, jm] : all) jm->suspend(why);
}

std::shared_ptr<JobMaster> Dispatcher::job(const JobId& id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second;
}

std::vector<JobSummary> Dispatcher::list_jobs() const {
  std::lock_guard lock(mu_);
  std::vector<JobSummary> out;
  for (const auto& [id, jm] : jobs_) out.push_back({id, jm->name(), jm->status()});
  return out;
}

void Dispatcher::cancel_all() {
  std::vector<std::shared_ptr<JobMaster>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, jm] : jobs_) all.push_back(jm);
  }
  for (auto& jm : all) jm->cancel();
  for (auto& jm : all) jm->wait();
}

}  // namespace weir::cluster
