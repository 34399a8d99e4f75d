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
