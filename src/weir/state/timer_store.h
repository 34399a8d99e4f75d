#pragma once
// Storage of one domain's timers (event or processing time) kept by a keyed-state backend instead of
// on the heap (`state.backend.rocksdb.timer-service.factory: rocksdb`). Same contract as the heap's
// TimerQueue (state/heap/timer_queue.h): deduplicated by (timestamp, key, namespace), grouped by key
// group, the earliest timer first; timers of one timestamp fire in (key, namespace) order.
//
// Threading: the owning task thread only.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "weir/common/key_group.h"
#include "weir/common/time.h"

namespace weir::state {

struct TimerEntry {
  Timestamp ts = 0;
  std::string key;  //!< serialized key
  std::string ns;   //!< serialized namespace
  auto operator<=>(const TimerEntry&) const = default;
};

class TimerStore {
 public:
  virtual ~TimerStore() = default;
  //! Adds a timer (nothing changes when an equal one exists).
  virtual void add(KeyGroup kg, const TimerEntry& t) = 0;
  //! Adds a timer read from a checkpoint (a store that tracks changes does not count it as one).
  virtual void restore(KeyGroup kg, const TimerEntry& t) { add(kg, t); }
  //! Removes a timer (nothing changes when there is none).
  virtual void remove(KeyGroup kg, const TimerEntry& t) = 0;
  //! Timestamp of the earliest timer, kMaxTimestamp when empty.
  virtual Timestamp peek_ts() const = 0;
  //! Removes and returns the earliest timer with its key group. REQUIRES: !empty().
  virtual std::pair<KeyGroup, TimerEntry> poll() = 0;
  virtual bool empty() const = 0;
  //! Number of timers (may read them all: for tests and metrics).
  virtual size_t size() const = 0;
  //! The timers of key group `kg` in (timestamp, key, namespace) order (the canonical snapshot order).
  virtual std::vector<TimerEntry> sorted_group(KeyGroup kg) = 0;
};

}  // namespace weir::state
