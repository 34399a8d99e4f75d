#pragma once
// Timers of one domain (event or processing time) stored by key group: one ordered set per key
// group plus an ordered index of each group's earliest timer. Adding, deleting and polling are
// O(log n); a snapshot or rescale can take whole key groups.
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "weir/common/key_group.h"
#include "weir/common/time.h"

namespace weir::runtime {

struct Timer {
  Timestamp ts;
  std::string key;  //!< serialized key
  std::string ns;   //!< serialized namespace (empty for plain keyed timers)
  auto operator<=>(const Timer&) const = default;
};

class TimerQueue {
 public:
  explicit TimerQueue(KeyGroupRange range) : range_(range), groups_(range.size()) {}

  //! Adds a timer; false when an equal timer exists (timers are deduplicated, as in Flink).
  bool add(KeyGroup kg, Timer t) {
    auto& g = groups_[kg - range_.start];
    Timestamp old_head = g.empty() ? kMaxTimestamp : g.begin()->ts;
    auto [it, inserted] = g.insert(std::move(t));
    if (inserted && it == g.begin()) {
      if (old_head != kMaxTimestamp) heads_.erase({old_head, kg});
      heads_.insert({it->ts, kg});
    }
    if (inserted) ++size_;
    return inserted;
  }
  bool remove(KeyGroup kg, const Timer& t) {
    auto& g = groups_[kg - range_.start];
    auto it = g.find(t);
    if (it == g.end()) return false;
    bool was_head = it == g.begin();
    if (was_head) heads_.erase({it->ts, kg});
    g.erase(it);
    if (was_head && !g.empty()) heads_.insert({g.begin()->ts, kg});
    --size_;
    return true;
  }
  Timestamp peek_ts() const { return heads_.empty() ? kMaxTimestamp : heads_.begin()->first; }
  //! Removes and returns the earliest timer with its key group. REQUIRES: !empty().
  std::pair<KeyGroup, Timer> poll() {
    auto [ts, kg] = *heads_.begin();
    heads_.erase(heads_.begin());
    auto& g = groups_[kg - range_.start];
    Timer t = std::move(g.extract(g.begin()).value());
    if (!g.empty()) heads_.insert({g.begin()->ts, kg});
    --size_;
    return {kg, std::move(t)};
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  const std::set<Timer>& group(KeyGroup kg) const { return groups_[kg - range_.start]; }
  const KeyGroupRange& range() const { return range_; }

 private:
  KeyGroupRange range_;
  std::vector<std::set<Timer>> groups_;
  std::set<std::pair<Timestamp, KeyGroup>> heads_;
  size_t size_ = 0;
};

}  // namespace weir::runtime
