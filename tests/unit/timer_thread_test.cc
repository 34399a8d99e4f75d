#include <atomic>
#include <chrono>
#include <future>
#include <memory>

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

}  // namespace
}  // namespace weir::cluster
