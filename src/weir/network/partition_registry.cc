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
  auto of_job = [&](const std::string& key) { return job_key_matches(key, job); };
  std::erase_if(channels_, [&](const auto& kv) { return of_job(kv.first.job); });
  if (job.find('#') == std::string::npos) {
    // The whole job ended: its remembered attempts go with it (they sort together, after "<job>#").
    auto first = released_.lower_bound(job + '#');
    auto last = first;
    while (last != released_.end() && of_job(*last)) ++last;
    if (first != last) {
      released_.erase(first, last);
      std::erase_if(released_order_, of_job);
    }
    return;
  }
  if (!released_.insert(job).second) return;
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

size_t PartitionRegistry::num_remembered_releases() {
  std::lock_guard lock(mu_);
  return released_.size();
}

}  // namespace weir::network
