#pragma once
// Timers of one domain in a column family of the RocksDB backend, so that timers, like state, may
// outgrow memory. Rows sort by key group then timestamp, so the earliest timer of a key group is its
// first row; memory holds only each key group's earliest timestamp (and their ordered index), as in
// Flink's RocksDB priority queue. Adding a timer costs a point read (deduplication) and a write;
// polling one an iterator seek.
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

  bool add(KeyGroup kg, const TimerEntry& t) override;
  bool remove(KeyGroup kg, const TimerEntry& t) override;
  Timestamp peek_ts() const override { return heads_.empty() ? kMaxTimestamp : heads_.begin()->first; }
  std::pair<KeyGroup, TimerEntry> poll() override;
  bool empty() const override { return size_ == 0; }
  size_t size() const override { return size_; }
  std::vector<TimerEntry> sorted_group(KeyGroup kg) override;

 private:
  const std::string& row(KeyGroup kg, const TimerEntry& t);
  static TimerEntry parse(std::string_view row);
  //! Re-reads the earliest timestamp of `kg` from RocksDB and fixes the index.
  void refresh_head(KeyGroup kg);

  RocksDBKeyedStateBackend* backend_;
  RocksDBColumnFamily* cf_;
  std::vector<Timestamp> head_;  //!< per local key group: its earliest timestamp, kMaxTimestamp if none
  std::set<std::pair<Timestamp, KeyGroup>> heads_;
  size_t size_ = 0;
  std::string row_;
  std::string scratch_;
};

}  // namespace weir::state
