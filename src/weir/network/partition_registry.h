#pragma once
// Where producers and consumers in one process find their shared channels. Both sides call
// channel(); whichever comes first creates it, so tasks may start in any order.
//
// Threading: thread-safe. A TaskManager's DataPlane reads channels from here for remote consumers.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "weir/network/local_channel.h"

namespace weir::network {

//! Identifies one channel: (attempt-scoped job key, producing edge, producer subtask, consumer subtask).
struct ChannelId {
  std::string job;  //!< job id and attempt number
  int edge = 0;
  int producer = 0;
  int consumer = 0;
  auto operator<=>(const ChannelId&) const = default;
};

//! How errors name a channel: "job J, edge E, subtask P -> subtask C".
std::string describe(const ChannelId& id);

class PartitionRegistry {
 public:
  std::shared_ptr<LocalChannel> channel(const ChannelId& id);
  //! Drops every channel whose job key starts with `job` (all attempts of a job, after it ended).
  void release_job(const std::string& job);

 private:
  std::mutex mu_;
  std::map<ChannelId, std::shared_ptr<LocalChannel>> channels_;
};

}  // namespace weir::network
