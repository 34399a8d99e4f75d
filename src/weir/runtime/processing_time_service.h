#pragma once
// Task-local processing-time callbacks (timers of keyed operators, periodic watermarks, source
// pacing). Callbacks run on the task thread from its mailbox loop, never concurrently with records.
//
// now() reads the clock once per kReadsPerClockRead calls and returns that reading in between: an operator
// that asks for the time with every record (processing-time windows assign each element by it) pays a
// clock read per 32 records instead of one per record (7 % of q12's CPU). The task refreshes the reading at
// every turn of its loop (refresh(), before it fires due timers), so a reading is never older than that
// turn, nor than 32 calls within it, and never older than a timer that has fired: an element is not
// assigned to a window whose end timer already ran. A manual clock (tests) is read at every call.
#include <functional>
#include <map>
#include <memory>

#include "weir/common/time.h"

namespace weir::runtime {

class ProcessingTimeService {
 public:
  using Callback = std::function<void(Timestamp now)>;
  static constexpr int kReadsPerClockRead = 32;

  explicit ProcessingTimeService(std::shared_ptr<Clock> clock)
      : clock_(std::move(clock)), manual_(clock_->is_manual()) {}

  //! Processing time: the clock, read at most kReadsPerClockRead calls ago in this turn of the task loop.
  Timestamp now() const {
    if (reads_left_ > 0) {
      --reads_left_;
      return reading_;
    }
    return refresh();
  }
  //! Reads the clock now (the task loop calls it at every turn).
  Timestamp refresh() const {
    reading_ = clock_->now_ms();
    reads_left_ = manual_ ? 0 : kReadsPerClockRead - 1;
    return reading_;
  }
  Clock& clock() { return *clock_; }
  const std::shared_ptr<Clock>& shared_clock() const { return clock_; }

  //! Runs `cb` on the task thread once processing time reaches `at`. Returns an id for cancel().
  int64_t register_timer(Timestamp at, Callback cb) {
    int64_t id = next_id_++;
    timers_.emplace(std::make_pair(at, id), std::move(cb));
    return id;
  }
  void cancel(Timestamp at, int64_t id) { timers_.erase({at, id}); }

  //! Earliest registered time, or kMaxTimestamp.
  Timestamp next_deadline() const { return timers_.empty() ? kMaxTimestamp : timers_.begin()->first.first; }

  //! Runs every callback due at the current time. Returns true if any ran.
  bool fire_due() {
    bool any = false;
    Timestamp t = refresh();
    while (!timers_.empty() && timers_.begin()->first.first <= t) {
      auto node = timers_.extract(timers_.begin());
      node.mapped()(t);
      any = true;
    }
    return any;
  }

 private:
  std::shared_ptr<Clock> clock_;
  const bool manual_;
  mutable Timestamp reading_ = 0;  //!< the last clock reading
  mutable int reads_left_ = 0;     //!< calls of now() that may still return it
  std::map<std::pair<Timestamp, int64_t>, Callback> timers_;
  int64_t next_id_ = 0;
};

}  // namespace weir::runtime
