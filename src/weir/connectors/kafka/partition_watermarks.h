#pragma once
// Watermarks per Kafka partition (Flink's per-partition watermarking in its Kafka source): each partition's
// watermark is its highest timestamp minus the out-of-orderness bound minus 1; the subtask's is the minimum
// over its partitions that are neither finished nor idle. A partition is idle after `idle_timeout` of
// processing time without records, so an empty or quiet partition does not hold the job back; a record makes
// it active again. When every partition is idle, or the subtask has none (more subtasks than partitions),
// the subtask is idle.
//
// Threading: the source's task thread only.
#include <chrono>
#include <map>
#include <optional>

#include "weir/common/time.h"
#include "weir/connectors/kafka/topic_partition.h"

namespace weir::kafka {

class PartitionWatermarks {
 public:
  using Clock = std::chrono::steady_clock;

  //! `idle_timeout` 0: partitions never become idle.
  PartitionWatermarks(int64_t out_of_orderness_ms, std::chrono::milliseconds idle_timeout)
      : out_of_orderness_ms_(out_of_orderness_ms), idle_timeout_(idle_timeout) {}

  //! A partition this subtask reads (from `now` on, for idleness).
  void add(const TopicPartition& tp, Clock::time_point now) {
    partitions_.try_emplace(tp, State{kMinTimestamp, now});
  }
  //! A bounded partition that reached its end: it no longer holds the watermark back.
  void remove(const TopicPartition& tp) { partitions_.erase(tp); }
  void on_record(const TopicPartition& tp, Timestamp ts, Clock::time_point now) {
    State& s = partitions_[tp];
    s.max_timestamp = std::max(s.max_timestamp, ts);
    s.last_record = now;
  }

  struct Status {
    std::optional<Timestamp> watermark;  //!< none while a partition without records holds it back
    bool idle = false;                   //!< every partition is idle, or there is none
  };
  //! The watermark over the active partitions; when every partition is idle, over those that had records
  //! (what they said before going quiet still holds), and the subtask is idle.
  Status current(Clock::time_point now) const {
    Status st;
    bool any_active = false;
    std::optional<Timestamp> active, idle;
    for (const auto& [tp, s] : partitions_) {
      Timestamp p =
          s.max_timestamp == kMinTimestamp ? kMinTimestamp : s.max_timestamp - out_of_orderness_ms_ - 1;
      if (idle_timeout_.count() > 0 && now - s.last_record >= idle_timeout_) {
        if (s.max_timestamp != kMinTimestamp) idle = idle ? std::min(*idle, p) : p;
        continue;
      }
      any_active = true;
      active = active ? std::min(*active, p) : p;
    }
    st.idle = !any_active;  // also with no partitions at all: a subtask without splits holds nobody back
    st.watermark = any_active ? active : idle;
    if (st.watermark == kMinTimestamp) st.watermark.reset();
    return st;
  }

 private:
  struct State {
    Timestamp max_timestamp = kMinTimestamp;
    Clock::time_point last_record;
  };
  int64_t out_of_orderness_ms_;
  std::chrono::milliseconds idle_timeout_;
  std::map<TopicPartition, State> partitions_;
};

}  // namespace weir::kafka
