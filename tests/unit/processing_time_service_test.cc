// The task's processing time (runtime/processing_time_service.h): one clock read serves up to
// kReadsPerClockRead calls of now(); refresh() (every turn of the task loop) and firing timers read the
// clock afresh, so no reading is older than a timer that fired; a manual clock is read at every call.
#include <atomic>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "weir/common/time.h"
#include "weir/runtime/processing_time_service.h"

namespace weir::runtime {
namespace {

//! A clock that moves by 1 ms at every read and counts its reads.
class CountingClock final : public Clock {
 public:
  Timestamp now_ms() const override { return ++reads; }
  mutable std::atomic<int64_t> reads{0};
};

TEST(ProcessingTimeService, OneClockReadServesSeveralCalls) {
  auto clock = std::make_shared<CountingClock>();
  ProcessingTimeService pts(clock);
  const int calls = 10 * ProcessingTimeService::kReadsPerClockRead;
  Timestamp last = 0;
  for (int i = 0; i < calls; ++i) {
    Timestamp t = pts.now();
    EXPECT_GE(t, last);  // never backwards
    last = t;
  }
  EXPECT_EQ(clock->reads.load(), 10);
}

TEST(ProcessingTimeService, RefreshAndFiringTimersReadTheClockAfresh) {
  auto clock = std::make_shared<CountingClock>();
  ProcessingTimeService pts(clock);
  EXPECT_EQ(pts.now(), 1);
  EXPECT_EQ(pts.now(), 1);  // the same reading
  EXPECT_EQ(pts.refresh(), 2);
  EXPECT_EQ(pts.now(), 2);
  std::vector<Timestamp> fired_at;
  pts.register_timer(3, [&](Timestamp now) { fired_at.push_back(now); });
  ASSERT_TRUE(pts.fire_due());  // reads 3: due
  ASSERT_EQ(fired_at, std::vector<Timestamp>{3});
  // What follows the timer sees at least the time it fired at, never the older reading.
  EXPECT_EQ(pts.now(), 3);
}

TEST(ProcessingTimeService, AManualClockIsReadAtEveryCall) {
  auto clock = std::make_shared<ManualClock>(100);
  ProcessingTimeService pts(clock);
  EXPECT_EQ(pts.now(), 100);
  clock->advance(5);
  EXPECT_EQ(pts.now(), 105);
  clock->set(200);
  EXPECT_EQ(pts.now(), 200);
}

}  // namespace
}  // namespace weir::runtime
