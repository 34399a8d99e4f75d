#include "weir/network/partition_registry.h"

namespace weir::network {

std::shared_ptr<LocalChannel> PartitionRegistry::channel(const ChannelId& id) {
  std::lock_guard lock(mu_);
  auto& c = channels_[id];
  if (!c) c = std::make_shared<LocalChannel>();
  return c;
}

void PartitionRegistry::release_job(const std::string& job) {
  std::lock_guard lock(mu_);
  std::erase_if(channels_, [&](const auto& kv) { return kv.first.job == job; });
}

}  // namespace weir::network
