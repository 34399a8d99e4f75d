#pragma once
// The heap backend's timer store when it checkpoints incrementally: the heap TimerQueue plus, per key
// group, a log of the timers added and removed (fired or deleted) since the last snapshot, so that a
// checkpoint writes only what changed (heap_incremental_snapshot.h). Taking the log is O(key groups);
// a full snapshot (the base of a new chain) lists every timer, which is O(timers) on the task thread.
//
// Log format, per key group: ops of `u8 op ('a' add, 'r' remove) | fixed i64 timestamp | bytes key |
// bytes namespace`, applied in order on restore.
//
// Threading: the owning task thread only; the taken logs are plain strings, written on any thread.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "weir/common/data_io.h"
#include "weir/common/error.h"
#include "weir/state/heap/timer_queue.h"
#include "weir/state/timer_store.h"

namespace weir::state {

class HeapTimerStore final : public TimerStore {
 public:
  static constexpr uint8_t kAdd = 'a';
  static constexpr uint8_t kRemove = 'r';

  //! What changed in one key group: `count` ops in `ops`.
  struct GroupChanges {
    uint64_t count = 0;
    std::string ops;
  };

  explicit HeapTimerStore(KeyGroupRange range) : queue_(range), log_(range.size()) {}

  void add(KeyGroup kg, const TimerEntry& t) override {
    if (queue_.add(kg, t)) log(kg, kAdd, t);
  }
  void restore(KeyGroup kg, const TimerEntry& t) override { queue_.add(kg, t); }
  void remove(KeyGroup kg, const TimerEntry& t) override {
    if (queue_.remove(kg, t)) log(kg, kRemove, t);
  }
  Timestamp peek_ts() const override { return queue_.peek_ts(); }
  std::pair<KeyGroup, TimerEntry> poll() override {
    auto fired = queue_.poll();
    log(fired.first, kRemove, fired.second);
    return fired;
  }
  bool empty() const override { return queue_.empty(); }
  size_t size() const override { return queue_.size(); }
  std::vector<TimerEntry> sorted_group(KeyGroup kg) override { return queue_.sorted_group(kg); }

  //! Per key group of the range, the changes since the previous call; with `all`, every timer as an add
  //! instead (and the log restarts). Task thread.
  std::vector<GroupChanges> take_changes(bool all) {
    if (!all) return std::exchange(log_, std::vector<GroupChanges>(log_.size()));
    std::vector<GroupChanges> out(log_.size());
    const KeyGroupRange& r = queue_.range();
    DataOutput ops;
    for (KeyGroup kg = r.start; kg <= r.end; ++kg) {
      ops.clear();
      auto timers = queue_.sorted_group(kg);
      for (const auto& t : timers) encode(ops, kAdd, t);
      out[kg - r.start] = {timers.size(), ops.str()};
    }
    log_.assign(log_.size(), {});
    return out;
  }
  //! Forgets the changes logged so far (what is in the store is all written already).
  void forget_changes() { log_.assign(log_.size(), {}); }

  //! Applies `n` logged ops of key group `kg` (a restore; not logged again).
  void apply(KeyGroup kg, uint64_t n, DataInput& in) {
    for (uint64_t i = 0; i < n; ++i) {
      uint8_t op = in.read_u8();
      TimerEntry t;
      t.ts = in.read_fixed<int64_t>();
      t.key = std::string(in.read_bytes());
      t.ns = std::string(in.read_bytes());
      if (op == kAdd) {
        queue_.add(kg, std::move(t));
      } else if (op == kRemove) {
        queue_.remove(kg, t);
      } else {
        throw SerializationError("unknown timer change " + std::to_string(op) + " in key group " +
                                 std::to_string(kg));
      }
    }
  }

 private:
  static void encode(DataOutput& out, uint8_t op, const TimerEntry& t) {
    out.write_u8(op);
    out.write_fixed<int64_t>(t.ts);
    out.write_bytes(t.key);
    out.write_bytes(t.ns);
  }
  void log(KeyGroup kg, uint8_t op, const TimerEntry& t) {
    GroupChanges& g = log_[kg - queue_.range().start];
    scratch_.clear();
    encode(scratch_, op, t);
    g.ops.append(scratch_.view());
    ++g.count;
  }

  TimerQueue queue_;
  std::vector<GroupChanges> log_;
  DataOutput scratch_;
};

}  // namespace weir::state
