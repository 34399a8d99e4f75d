#pragma once
// Where producers and consumers in one process find their shared channels. Both sides call
// channel(); whichever comes first creates it, so tasks may start in any order.
//
// Threading: thread-safe. A TaskManager's DataPlane reads channels from here for remote consumers.
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
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

//! Whether the channel key `key` ("<job id>#<attempt>") belongs to `what`: a job id (every attempt of it)
//! or one attempt's key (that attempt alone: "<job>#3" is not "<job>#30").
inline bool job_key_matches(const std::string& key, const std::string& what) {
  if (key.compare(0, what.size(), what) != 0) return false;
  return key.size() == what.size() || (what.find('#') == std::string::npos && key[what.size()] == '#');
}

class PartitionRegistry {
 public:
  //! How many released attempt keys are remembered (oldest forgotten first).
  static constexpr size_t kRememberedReleases = 4096;

  //! The channel of a producer or a consumer task of this process (which claims it: it stays until its
  //! attempt or job is released).
  std::shared_ptr<LocalChannel> channel(const ChannelId& id);
  //! The channel for a remote consumer's subscription: null when `id`'s attempt was released here (its
  //! tasks failed or were canceled), so that a late subscription of that attempt neither recreates its
  //! channels, which nothing would release again, nor waits for a producer that is gone. A channel it
  //! creates is unclaimed until a task of this process asks for it (channel()).
  std::shared_ptr<LocalChannel> channel_unless_released(const ChannelId& id);
  //! A remote consumer's subscription to `id` (served from `channel`) ended: its stream was cancelled or its
  //! connection lost. If no task of this process claimed the channel, it goes: a subscription to an attempt
  //! never deployed here (or a peer subscribing to made-up channels) leaves nothing behind until the job
  //! ends. Returns whether it was dropped.
  bool release_unclaimed(const ChannelId& id, const LocalChannel* channel);
  //! Drops the channels of a job (every attempt, after it ended) or of one attempt ("<job>#<attempt>",
  //! once none of its tasks runs here): see job_key_matches. A released attempt key is remembered (the
  //! last kRememberedReleases) for channel_unless_released until its job is released as a whole, which
  //! forgets the job's attempt keys too: nothing of an ended job stays here, and a new JobManager leader
  //! that runs the same job again, counting its attempts from the start, is not refused its channels.
  void release_job(const std::string& job);
  //! How many channels `job` (a job id or an attempt's key) has here.
  size_t num_channels(const std::string& job);
  //! How many released attempt keys are remembered (at most kRememberedReleases).
  size_t num_remembered_releases();

 private:
  std::mutex mu_;
  struct Entry {
    std::shared_ptr<LocalChannel> channel;
    bool claimed = false;  // a task of this process asked for it
  };
  std::map<ChannelId, Entry> channels_;
  std::set<std::string> released_;          // attempt keys
  std::deque<std::string> released_order_;  // oldest first
};

}  // namespace weir::network
