#pragma once
// Timers of one domain in a column family of the RocksDB backend, so that timers, like state, may
// outgrow memory. Rows sort by key group then timestamp, so the earliest timer of a key group is its
// first row; memory holds only each key group's earliest timestamp (and their ordered index), as in
// Flink's RocksDB priority queue. Adding or removing a timer is one blind write (rows are their own
// deduplication); polling one is one iterator seek, which also finds the key group's next timer.
//
// Threading: the owning task thread only.
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "weir/state/rocksdb/rocksdb_keyed_state_backend.h"
#include "weir/state/timer_store.h"

namespace weir::state {

class RocksDBTimerStore final : public TimerStore {
 public:
  //! Opens (or creates) the column family of timers `name`; timers already in it (a native restore)
  //! are indexed.
  RocksDBTimerStore(RocksDBKeyedStateBackend* backend, const std::string& name);

  void add(KeyGroup kg, const TimerEntry& t) override;
  void remove(KeyGroup kg, const TimerEntry& t) override;
  Timestamp peek_ts() const override { return heads_.empty() ? kMaxTimestamp : heads_.begin()->first; }
  std::pair<KeyGroup, TimerEntry> poll() override;
  bool empty() const override { return heads_.empty(); }
  size_t size() const override;
  std::vector<TimerEntry> sorted_group(KeyGroup kg) override;

 private:
  const std::string& row(KeyGroup kg, const TimerEntry& t);
  static TimerEntry parse(std::string_view row);
  //! Re-reads the earliest timestamp of `kg` from RocksDB and fixes the index.
  void refresh_head(KeyGroup kg);
  //! Sets the earliest timestamp of `kg` (kMaxTimestamp: none) in the index.
  void set_head(KeyGroup kg, Timestamp ts);

  RocksDBKeyedStateBackend* backend_;
  RocksDBColumnFamily* cf_;
  std::vector<Timestamp> head_;  //!< per local key group: its earliest timestamp, kMaxTimestamp if none
  //! Per local key group: a row no live timer of the group sorts before (empty: none known). Seeks
  //! start there, past the tombstones of fired timers, many of which share the head's timestamp.
  std::vector<std::string> cursor_;
  std::set<std::pair<Timestamp, KeyGroup>> heads_;
  std::string row_;
};

}  // namespace weir::state
