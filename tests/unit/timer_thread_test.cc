#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>

#include <gtest/gtest.h>

#include "weir/cluster/jobmanager/timer_thread.h"

namespace weir::cluster {
namespace {

using namespace std::chrono_literals;

TEST(TimerThread, RunsActionsInTimeOrder) {
  TimerThread t;
  std::promise<void> done;
  std::atomic<int> step{0};
  t.schedule(20ms, [&] {
    EXPECT_EQ(step.exchange(2), 1);
    done.set_value();
  });
  t.schedule(1ms, [&] { EXPECT_EQ(step.exchange(1), 0); });
  ASSERT_EQ(done.get_future().wait_for(10s), std::future_status::ready);
}

// Like a JobMaster whose timer action holds the last reference: the owner, and with it the
// TimerThread, is destroyed on the timer's own thread.
struct Owner {
  TimerThread timer;
};

TEST(TimerThread, OwnerDestroyedByItsOwnActionEndsCleanly) {
  for (int i = 0; i < 20; ++i) {
    auto owner = std::make_shared<Owner>();
    auto destroyed = std::make_shared<std::promise<void>>();
    auto fut = destroyed->get_future();
    owner->timer.schedule(0ms, [keep = std::move(owner), destroyed]() mutable {
      keep.reset();  // ~Owner -> ~TimerThread on this very thread
      destroyed->set_value();
    });
    ASSERT_EQ(fut.wait_for(10s), std::future_status::ready);
  }
}

TEST(TimerThread, StopDropsPendingActions) {
  std::atomic<bool> ran{false};
  {
    TimerThread t;
    t.schedule(1h, [&] { ran = true; });
  }
  EXPECT_FALSE(ran.load());
}

// What an ended job's JobMaster does under its lock, which a running timer action may be waiting for: the
// thread is let go without a join, drops what is pending and ends after the running action.
TEST(TimerThread, StopSoonDoesNotWaitForARunningActionAndDropsThePendingOnes) {
  std::mutex owner_lock;
  std::promise<void> running, finished;
  // Set on the timer's thread as it ends, after which the test may return: shared, not on the test's stack.
  auto dropped = std::make_shared<std::promise<void>>();
  auto dropped_future = dropped->get_future();
  struct OnDrop {
    explicit OnDrop(std::shared_ptr<std::promise<void>> promise) : p(std::move(promise)) {}
    OnDrop(const OnDrop&) = delete;
    OnDrop& operator=(const OnDrop&) = delete;
    ~OnDrop() { p->set_value(); }
    std::shared_ptr<std::promise<void>> p;
  };
  std::atomic<bool> pending_ran{false};
  TimerThread t;
  std::unique_lock held(owner_lock);
  t.schedule(0ms, [&] {
    running.set_value();
    std::lock_guard wait_for_owner(owner_lock);
    finished.set_value();
  });
  auto on_drop = std::make_shared<OnDrop>(dropped);
  t.schedule(1ms, [&pending_ran, keep = std::move(on_drop)] { pending_ran = true; });
  ASSERT_EQ(running.get_future().wait_for(10s), std::future_status::ready);
  t.stop_soon();                                 // with owner_lock held: a join would never return
  t.schedule(0ms, [&] { pending_ran = true; });  // refused once stopped
  held.unlock();
  EXPECT_EQ(finished.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(dropped_future.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(pending_ran.load());
  t.stop();  // then the destructor: both return at once
}

}  // namespace
}  // namespace weir::cluster
