#include "weir/network/partition_registry.h"

#include <algorithm>

#include <fmt/format.h>

namespace weir::network {

std::string describe(const ChannelId& id) {
  return fmt::format("job {}, edge {}, subtask {} -> subtask {}", id.job, id.edge, id.producer, id.consumer);
}

std::shared_ptr<LocalChannel> PartitionRegistry::channel(const ChannelId& id) {
  std::lock_guard lock(mu_);
  auto& e = channels_[id];
  if (!e.channel) e.channel = std::make_shared<LocalChannel>();
  e.claimed = true;
  return e.channel;
}

std::shared_ptr<LocalChannel> PartitionRegistry::channel_unless_released(const ChannelId& id) {
  std::lock_guard lock(mu_);
  if (released_.count(id.job)) return nullptr;
  auto& e = channels_[id];
  if (!e.channel) e.channel = std::make_shared<LocalChannel>();
  return e.channel;
}

bool PartitionRegistry::release_unclaimed(const ChannelId& id, const LocalChannel* channel) {
  std::lock_guard lock(mu_);
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.claimed || it->second.channel.get() != channel) return false;
  channels_.erase(it);
  return true;
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
