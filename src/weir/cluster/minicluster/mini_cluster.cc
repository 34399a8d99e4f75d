#include "weir/cluster/minicluster/mini_cluster.h"

#include <map>
#include <vector>

namespace weir::cluster {

MiniCluster::MiniCluster(MiniClusterConfig cfg)
    : cfg_(std::move(cfg)), rm_(std::make_shared<ResourceManager>()) {
  if (!cfg_.clock) cfg_.clock = SystemClock::shared();
  const int n = cfg_.num_task_managers;
  for (int i = 0; i < (cfg_.tcp_network ? n : 1); ++i) {
    registries_.push_back(std::make_shared<network::PartitionRegistry>());
    if (cfg_.tcp_network)
      data_planes_.push_back(
          std::make_shared<network::DataPlane>(registries_.back(), network::DataPlaneOptions{}));
  }
  for (int i = 0; i < n; ++i) {
    auto te = std::make_shared<TaskExecutor>(
        NodeId(i), cfg_.slots_per_task_manager, registries_[cfg_.tcp_network ? i : 0],
        cfg_.tcp_network ? data_planes_[i] : nullptr, cfg_.local_state_root_dirs);
    // Embedded: a task that does not stop in time is abandoned (reported CANCELED, its thread left
    // running) rather than ending the process the cluster is embedded in.
    te->set_fatal_error_handler([](const std::string&) {});
    rm_->register_task_executor(te);
    tes_.push_back(std::move(te));
  }
  dispatcher_ = std::make_unique<Dispatcher>(
      rm_,
      [tes = tes_](const JobId& id, const std::shared_ptr<JobMaster>&) {
        for (auto& te : tes) te->release_job(id.to_string());
      },
      cfg_.job_store);
}

MiniCluster::~MiniCluster() {
  close();
}

JobClient MiniCluster::submit(std::shared_ptr<const graph::JobGraph> jg) {
  return JobClient(dispatcher_->submit_job(std::move(jg), cfg_.clock));
}

void MiniCluster::heartbeat() {
  // Tokens first, then the reports: an attempt a JobMaster saw RUNNING before its token is in a report taken
  // after it unless it is gone.
  std::map<JobId, std::pair<std::shared_ptr<JobMaster>, uint64_t>> jobs;
  for (auto& jm : dispatcher_->jobs()) jobs[jm->id()] = {jm, jm->heartbeat_token()};
  for (auto& te : tes_) {
    std::map<JobId, std::vector<ExecutionAttemptId>> by_job;
    for (const auto& id : te->task_attempts()) by_job[id.job].push_back(id);
    for (auto& [job, entry] : jobs) {
      auto it = by_job.find(job);
      entry.first->reconcile_task_manager(
          te->id(), entry.second, it == by_job.end() ? std::vector<ExecutionAttemptId>{} : it->second);
    }
    for (const auto& [job, ids] : by_job) {
      if (jobs.count(job)) continue;
      // Not asked above: a job submitted since (its JobMaster reconciles next round), or one the Dispatcher
      // no longer runs, whose tasks nobody follows: they go.
      auto jm = dispatcher_->job(job);
      if (jm && !is_terminal(jm->status())) continue;
      for (const auto& id : ids) te->cancel_task(id);
    }
  }
}

void MiniCluster::close() {
  if (closed_) return;
  closed_ = true;
  dispatcher_->cancel_all();
  for (auto& te : tes_) te->shutdown();
}

}  // namespace weir::cluster
