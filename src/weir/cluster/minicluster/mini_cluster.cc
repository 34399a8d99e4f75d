#include "weir/cluster/minicluster/mini_cluster.h"

namespace weir::cluster {

MiniCluster::MiniCluster(MiniClusterConfig cfg)
    : cfg_(std::move(cfg)),
      registry_(std::make_shared<network::PartitionRegistry>()),
      rm_(std::make_shared<ResourceManager>()) {
  auto registry = registry_;
  dispatcher_ = std::make_unique<Dispatcher>(
      rm_, [registry](const JobId& id) { registry->release_job(id.to_string()); });
  if (!cfg_.clock) cfg_.clock = SystemClock::shared();
  for (int i = 0; i < cfg_.num_task_managers; ++i) {
    auto te = std::make_shared<TaskExecutor>(NodeId(i), cfg_.slots_per_task_manager, registry_);
    rm_->register_task_executor(te);
    tes_.push_back(std::move(te));
  }
}

MiniCluster::~MiniCluster() {
  close();
}

JobClient MiniCluster::submit(std::shared_ptr<const graph::JobGraph> jg) {
  return JobClient(dispatcher_->submit_job(std::move(jg), cfg_.clock));
}

void MiniCluster::close() {
  if (closed_) return;
  closed_ = true;
  dispatcher_->cancel_all();
  for (auto& te : tes_) te->shutdown();
}

}  // namespace weir::cluster
