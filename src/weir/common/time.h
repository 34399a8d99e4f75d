#pragma once
// Time in Weir: timestamps are epoch milliseconds (int64), like Flink. Processing time comes from a
// Clock so that tests can drive it by hand.
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace weir {

using Timestamp = int64_t;
inline constexpr Timestamp kMinTimestamp = INT64_MIN;
inline constexpr Timestamp kMaxTimestamp = INT64_MAX;
//! Marks a record without an event timestamp.
inline constexpr Timestamp kNoTimestamp = INT64_MIN;

//! Source of processing time. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now_ms() const = 0;
  //! True when time only moves through advance(); tasks then wait for a notification, not a deadline.
  virtual bool is_manual() const { return false; }
  //! Registers a callback run after the clock moves (manual clocks only). Returns a handle for removal.
  virtual int add_listener(std::function<void()>) { return -1; }
  virtual void remove_listener(int) {}
};

class SystemClock final : public Clock {
 public:
  Timestamp now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static std::shared_ptr<Clock> shared() {
    static std::shared_ptr<Clock> c = std::make_shared<SystemClock>();
    return c;
  }
};

//! A clock moved by the test. advance() wakes every task waiting on processing time.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = 0) : now_(start) {}
  Timestamp now_ms() const override { return now_.load(std::memory_order_acquire); }
  bool is_manual() const override { return true; }
  void set(Timestamp t) {
    now_.store(t, std::memory_order_release);
    notify();
  }
  void advance(Timestamp delta_ms) { set(now_ms() + delta_ms); }
  int add_listener(std::function<void()> f) override {
    std::lock_guard lock(mu_);
    listeners_.emplace_back(next_id_, std::move(f));
    return next_id_++;
  }
  void remove_listener(int id) override {
    std::lock_guard lock(mu_);
    std::erase_if(listeners_, [id](const auto& p) { return p.first == id; });
  }

 private:
  void notify() {
    std::lock_guard lock(mu_);
    for (auto& [id, f] : listeners_) f();
  }
  std::atomic<Timestamp> now_;
  std::mutex mu_;
  std::vector<std::pair<int, std::function<void()>>> listeners_;
  int next_id_ = 0;
};

}  // namespace weir
