#include "weir/network/partition_registry.h"

#include <fmt/format.h>

namespace weir::network {

std::string describe(const ChannelId& id) {
  return fmt::format("job {}, edge {}, subtask {} -> subtask {}", id.job, id.edge, id.producer, id.consumer);
}

std::shared_ptr<LocalChannel> PartitionRegistry::channel(const ChannelId& id) {
  std::lock_guard lock(mu_);
  auto& c = channels_[id];
  if (!c) c = std::make_shared<LocalChannel>();
  return c;
}

void PartitionRegistry::release_job(const std::string& job) {
  std::lock_guard lock(mu_);
  // Channel keys are "<job id>#<attempt>": release every attempt of the job.
  std::erase_if(channels_, [&](const auto& kv) { return kv.first.job.compare(0, job.size(), job) == 0; });
}

}  // namespace weir::network
