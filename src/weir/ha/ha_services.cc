#include "weir/ha/ha_services.h"

#include "weir/common/error.h"
#include "weir/fs/file_system.h"

namespace weir::ha {

std::unique_ptr<ZooKeeperHaServices> ZooKeeperHaServices::create(const HaSettings& settings) {
  if (settings.type != HaType::kZooKeeper)
    throw ConfigError("ZooKeeper HA services need high-availability.type: zookeeper");
  std::shared_ptr<ZooKeeperClient> client = ZooKeeperClient::connect(settings.zookeeper);
  return std::make_unique<ZooKeeperHaServices>(std::move(client), HaPaths::of(settings));
}

ZooKeeperHaServices::ZooKeeperHaServices(std::shared_ptr<ZooKeeperClient> client, HaPaths paths)
    : client_(std::move(client)),
      paths_(std::move(paths)),
      job_graphs_(*client_, paths_),
      counter_(*client_, paths_),
      checkpoints_(*client_, paths_),
      results_(*client_, paths_) {}

std::unique_ptr<LeaderLatch> ZooKeeperHaServices::create_leader_latch(const std::string& description,
                                                                      LeaderElectionListener& listener) {
  return std::make_unique<LeaderLatch>(*client_, paths_.latch_dir(), description, listener);
}

std::unique_ptr<LeaderRetriever> ZooKeeperHaServices::create_leader_retriever(
    const std::string& component, LeaderRetriever::Listener listener) {
  return std::make_unique<LeaderRetriever>(*client_, paths_.leader(component), std::move(listener));
}

void ZooKeeperHaServices::publish_leader(const std::string& component, const LeaderInfo& info,
                                         const LeaderFence& fence) {
  publish_leader_info(*client_, paths_.leader(component), info, fence);
}

void ZooKeeperHaServices::cleanup_job(const JobId& job, const LeaderFence& fence) {
  checkpoints_.remove_all(job, fence);
  counter_.remove(job, fence);
  job_graphs_.remove(job, fence);
}

void ZooKeeperHaServices::cleanup_cluster() {
  client_->remove_recursive(paths_.cluster());
  if (!paths_.storage().empty()) fs::get(paths_.storage())->remove_all(paths_.storage());
}

}  // namespace weir::ha
