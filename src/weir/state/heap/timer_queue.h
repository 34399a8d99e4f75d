#pragma once
// Timers of one domain (event or processing time) on the heap, stored by key group, as in Flink deduplicated
// by (timestamp, key, namespace). Per key group an ordered map from timestamp to a bucket of the timers due
// then, plus an ordered index of each group's earliest timestamp.
//
// Why buckets: timers cluster on few timestamps (every window of a size ends on the same boundaries),
// so adding one costs an ordered lookup among the group's distinct timestamps plus a hash lookup, never
// string comparisons down a tree of all timers. Timers of one timestamp fire in the order they were
// added. A removed timer stays in its bucket's queue as a tombstone until polled past.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "weir/common/hashing.h"
#include "weir/common/key_group.h"
#include "weir/common/time.h"
#include "weir/state/timer_store.h"

namespace weir::state {

using Timer = TimerEntry;

class TimerQueue {
 public:
  explicit TimerQueue(KeyGroupRange range) : range_(range), groups_(range.size()) {}

  //! Adds a timer; false when an equal timer exists (timers are deduplicated, as in Flink).
  bool add(KeyGroup kg, Timer t) {
    return add_impl(kg, t.ts, t.key, t.ns, [&]() -> Timer&& { return std::move(t); });
  }
  //! The same from views: a timer that exists already (most registrations of a window's elements) costs no
  //! copy of its key and namespace.
  bool add(KeyGroup kg, Timestamp ts, std::string_view key, std::string_view ns) {
    return add_impl(kg, ts, key, ns, [&] { return Timer{ts, std::string(key), std::string(ns)}; });
  }

  bool remove(KeyGroup kg, const Timer& t) {
    auto& g = groups_[kg - range_.start];
    auto bit = g.find(t.ts);
    if (bit == g.end()) return false;
    auto it = bit->second.live.find(TimerId{t.key, t.ns});
    if (it == bit->second.live.end()) return false;
    bit->second.live.erase(it);
    --size_;
    if (bit->second.live.empty()) erase_bucket(g, bit, kg);
    return true;
  }
  Timestamp peek_ts() const { return heads_.empty() ? kMaxTimestamp : heads_.begin()->first; }
  //! Removes and returns the earliest timer with its key group. REQUIRES: !empty().
  std::pair<KeyGroup, Timer> poll() {
    KeyGroup kg = heads_.begin()->second;
    auto& g = groups_[kg - range_.start];
    auto bit = g.begin();
    Bucket& b = bit->second;
    // Skip tombstones; a bucket in the map always holds a live timer.
    for (;;) {
      auto it = b.live.find(TimerId{b.order.front().key, b.order.front().ns});
      if (it != b.live.end()) {
        b.live.erase(it);
        break;
      }
      b.order.pop_front();
    }
    Timer t = std::move(b.order.front());
    b.order.pop_front();
    --size_;
    if (b.live.empty()) erase_bucket(g, bit, kg);
    return {kg, std::move(t)};
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  //! The timers of key group `kg` in (timestamp, key, namespace) order: the canonical snapshot order.
  std::vector<Timer> sorted_group(KeyGroup kg) const {
    std::vector<Timer> out;
    for (const auto& [ts, b] : groups_[kg - range_.start])
      for (const TimerId& id : b.live) out.push_back({ts, std::string(id.key), std::string(id.ns)});
    std::sort(out.begin(), out.end());
    return out;
  }
  //! Calls f(ts, key, namespace) for every timer of key group `kg`, in no particular order (cheaper
  //! than sorted_group: full incremental snapshots, whose restore adds them in any order).
  template <typename F>
  void for_each_in_group(KeyGroup kg, F&& f) const {
    for (const auto& [ts, b] : groups_[kg - range_.start])
      for (const TimerId& id : b.live) f(ts, id.key, id.ns);
  }
  const KeyGroupRange& range() const { return range_; }

 private:
  //! A timer's identity within its bucket: views of the strings of a Timer in the bucket's queue.
  struct TimerId {
    std::string_view key;
    std::string_view ns;
    bool operator==(const TimerId&) const = default;
  };
  struct TimerIdHash {
    size_t operator()(const TimerId& id) const { return hash_bytes(id.key) * 31 + hash_bytes(id.ns); }
  };
  struct Bucket {
    std::deque<Timer> order;  //!< insertion order; deque: push_back and pop_front keep the others in place
    std::unordered_set<TimerId, TimerIdHash> live;
  };
  using Group = std::map<Timestamp, Bucket>;

  template <typename MakeTimer>
  bool add_impl(KeyGroup kg, Timestamp ts, std::string_view key, std::string_view ns, MakeTimer&& make) {
    auto& g = groups_[kg - range_.start];
    bool had_head = !g.empty();
    Timestamp old_head = had_head ? g.begin()->first : kMaxTimestamp;
    Bucket& b = g[ts];
    if (b.live.contains(TimerId{key, ns})) return false;
    const Timer& stored = b.order.emplace_back(make());
    b.live.insert(TimerId{stored.key, stored.ns});
    if (!had_head || ts < old_head) {
      if (had_head) heads_.erase({old_head, kg});
      heads_.insert({ts, kg});
    }
    ++size_;
    return true;
  }

  void erase_bucket(Group& g, Group::iterator bit, KeyGroup kg) {
    bool was_head = bit == g.begin();
    Timestamp ts = bit->first;
    g.erase(bit);
    if (was_head) {
      heads_.erase({ts, kg});
      if (!g.empty()) heads_.insert({g.begin()->first, kg});
    }
  }

  KeyGroupRange range_;
  std::vector<Group> groups_;
  std::set<std::pair<Timestamp, KeyGroup>> heads_;
  size_t size_ = 0;
};

}  // namespace weir::state
