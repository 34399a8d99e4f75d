#pragma once
// Periodic partition discovery for one Kafka source subtask (Flink's partition.discovery.interval.ms): a
// thread of its own lists the cluster's topics every interval, so a slow or unreachable cluster never holds
// the task thread (and its checkpoints) up; the task thread takes the latest listing when it polls. A
// listing that fails is logged and tried again at the next interval (the source's reading goes on).
//
// Threading: one discovery thread per instance; take() from the owner's (task) thread; the destructor stops
// and joins the thread (after at most one listing's timeout).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace weir::kafka {

class PartitionDiscovery {
 public:
  //! Topic -> partition count, as the source subscribes to them (filtered to its topics or pattern).
  using Listing = std::map<std::string, int32_t>;

  //! Calls `list` after `first_delay`, then every `interval`, until destroyed.
  PartitionDiscovery(std::function<Listing()> list, std::chrono::milliseconds first_delay,
                     std::chrono::milliseconds interval);
  ~PartitionDiscovery();
  PartitionDiscovery(const PartitionDiscovery&) = delete;
  PartitionDiscovery& operator=(const PartitionDiscovery&) = delete;

  //! The newest listing not taken yet.
  std::optional<Listing> take();
  //! How many listings succeeded so far (tests).
  int64_t listings() const;

 private:
  void run(std::chrono::milliseconds first_delay);

  std::function<Listing()> list_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::optional<Listing> latest_;
  int64_t listings_ = 0;
  std::thread thread_;
};

}  // namespace weir::kafka
