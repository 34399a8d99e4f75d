#pragma once
// Task-local processing-time callbacks (timers of keyed operators, periodic watermarks, source
// pacing). Callbacks run on the task thread from its mailbox loop, never concurrently with records.
#include <functional>
#include <map>
#include <memory>

#include "weir/common/time.h"

namespace weir::runtime {

class ProcessingTimeService {
 public:
  using Callback = std::function<void(Timestamp now)>;
  explicit ProcessingTimeService(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {}

  Timestamp now() const { return clock_->now_ms(); }
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
    Timestamp t = now();
    while (!timers_.empty() && timers_.begin()->first.first <= t) {
      auto node = timers_.extract(timers_.begin());
      node.mapped()(t);
      any = true;
    }
    return any;
  }

 private:
  std::shared_ptr<Clock> clock_;
  std::map<std::pair<Timestamp, int64_t>, Callback> timers_;
  int64_t next_id_ = 0;
};

}  // namespace weir::runtime
