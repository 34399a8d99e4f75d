#include "weir/network/partition_registry.h"

#include <algorithm>

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

std::shared_ptr<LocalChannel> PartitionRegistry::channel_unless_released(const ChannelId& id) {
  std::lock_guard lock(mu_);
  if (released_.count(id.job)) return nullptr;
  auto& c = channels_[id];
  if (!c) c = std::make_shared<LocalChannel>();
  return c;
}

void PartitionRegistry::release_job(const std::string& job) {
  std::lock_guard lock(mu_);
  std::erase_if(channels_, [&](const auto& kv) { return job_key_matches(kv.first.job, job); });
  if (job.find('#') == std::string::npos || !released_.insert(job).second) return;
  released_order_.push_back(job);
  if (released_order_.size() > kRememberedReleases) {
    released_.erase(released_order_.front());
    released_order_.pop_front();
  }
}

size_t PartitionRegistry::num_channels(const std::string& job) {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(std::count_if(channels_.begin(), channels_.end(), [&](const auto& kv) {
    return job_key_matches(kv.first.job, job);
  }));
}

}  // namespace weir::network
