#include "weir/connectors/kafka/partition_discovery.h"

#include "weir/common/log.h"
#include "weir/common/thread_name.h"

namespace weir::kafka {

PartitionDiscovery::PartitionDiscovery(std::function<Listing()> list, std::chrono::milliseconds first_delay,
                                       std::chrono::milliseconds interval)
    : list_(std::move(list)), interval_(interval) {
  thread_ = std::thread([this, first_delay] {
    set_thread_name("kafka-discover");
    run(first_delay);
  });
}

PartitionDiscovery::~PartitionDiscovery() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

std::optional<PartitionDiscovery::Listing> PartitionDiscovery::take() {
  std::lock_guard lock(mu_);
  std::optional<Listing> out = std::move(latest_);
  latest_.reset();
  return out;
}

int64_t PartitionDiscovery::listings() const {
  std::lock_guard lock(mu_);
  return listings_;
}

void PartitionDiscovery::run(std::chrono::milliseconds first_delay) {
  auto wait = first_delay;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (stop_cv_.wait_for(lock, wait, [this] { return stop_; })) return;
    }
    wait = interval_;
    try {
      Listing listing = list_();
      std::lock_guard lock(mu_);
      latest_ = std::move(listing);
      ++listings_;
    } catch (const std::exception& e) {
      log::get("connectors")
          .warn("Kafka partition discovery failed (tried again in {} ms): {}", interval_.count(), e.what());
    }
  }
}

}  // namespace weir::kafka
