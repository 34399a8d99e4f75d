// The watermark valve of a task's logical input (src/weir/cluster/taskmanager/watermark_valve.h) and the
// writer thread of snapshots (snapshot_writer.h), on their own: the rules Flink's StatusWatermarkValve
// follows, written out as cases, and the writer's order and end.
#include <atomic>
#include <deque>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "weir/cluster/taskmanager/snapshot_writer.h"
#include "weir/cluster/taskmanager/watermark_valve.h"

namespace weir::cluster {
namespace {

struct Valve {
  std::deque<InputChannelState> channels;
  LogicalInputState in;
  explicit Valve(int n) {
    channels.resize(n);
    for (int i = 0; i < n; ++i) in.channels.push_back(i);
  }
  ValveOutput watermark(int c, Timestamp wm) {
    channels[c].watermark = wm;
    return advance_valve(in, channels);
  }
  ValveOutput idle(int c, bool idle) {
    channels[c].idle = idle;
    return advance_valve(in, channels);
  }
  ValveOutput end(int c) {
    channels[c].end_of_data = true;
    return advance_valve(in, channels);
  }
};

TEST(WatermarkValve, TheInputsWatermarkIsTheMinimumOverItsChannels) {
  Valve v(3);
  EXPECT_FALSE(v.watermark(0, 10).watermark);  // the others are still at the minimum
  EXPECT_FALSE(v.watermark(1, 20).watermark);
  auto out = v.watermark(2, 15);
  ASSERT_TRUE(out.watermark);
  EXPECT_EQ(*out.watermark, 10);
  out = v.watermark(0, 30);
  ASSERT_TRUE(out.watermark);
  EXPECT_EQ(*out.watermark, 15);
  EXPECT_FALSE(out.idle);
  EXPECT_FALSE(out.ended);
}

TEST(WatermarkValve, AnIdleChannelDoesNotHoldTheWatermarkBack) {
  Valve v(2);
  v.watermark(0, 100);
  auto out = v.idle(1, true);
  ASSERT_TRUE(out.watermark);
  EXPECT_EQ(*out.watermark, 100);
  EXPECT_FALSE(out.idle) << "one channel still active: the input is not idle";
}

TEST(WatermarkValve, TheWatermarkNeverGoesBackWhenAChannelReturnsFromIdleness) {
  Valve v(2);
  v.watermark(0, 100);
  v.idle(1, true);              // emits 100
  auto out = v.idle(1, false);  // channel 1 is still at the minimum
  EXPECT_FALSE(out.watermark);
  EXPECT_EQ(v.in.emitted, 100);
  out = v.watermark(1, 50);  // behind what was emitted: nothing new
  EXPECT_FALSE(out.watermark);
  out = v.watermark(1, 120);
  EXPECT_FALSE(out.watermark) << "channel 0 is now the slowest, at what was already emitted";
  out = v.watermark(0, 130);
  ASSERT_TRUE(out.watermark);
  EXPECT_EQ(*out.watermark, 120);
}

TEST(WatermarkValve, TheInputIsIdleOnlyWhenEveryChannelIsAndSaysSoOnce) {
  Valve v(2);
  EXPECT_FALSE(v.idle(0, true).idle);
  auto out = v.idle(1, true);
  ASSERT_TRUE(out.idle);
  EXPECT_TRUE(*out.idle);
  EXPECT_FALSE(v.idle(1, true).idle) << "no change, nothing to tell";
  out = v.idle(0, false);
  ASSERT_TRUE(out.idle);
  EXPECT_FALSE(*out.idle);
}

TEST(WatermarkValve, EndedChannelsAreLeftOutAndTheLastEndEndsTheInputOnce) {
  Valve v(2);
  v.watermark(0, 40);
  auto out = v.end(1);  // only channel 0 counts now
  ASSERT_TRUE(out.watermark);
  EXPECT_EQ(*out.watermark, 40);
  EXPECT_FALSE(out.ended);
  EXPECT_FALSE(out.idle) << "an ended channel is not idle, and channel 0 is active";
  out = v.end(0);
  EXPECT_TRUE(out.ended);
  EXPECT_FALSE(out.idle) << "an input that ended is not idle";
  EXPECT_FALSE(advance_valve(v.in, v.channels).ended) << "the end is told once";
}

TEST(WatermarkValve, AnIdleChannelBesideEndedOnesMakesTheInputIdle) {
  Valve v(2);
  v.end(0);
  auto out = v.idle(1, true);
  ASSERT_TRUE(out.idle);
  EXPECT_TRUE(*out.idle);
  EXPECT_FALSE(out.ended);
}

TEST(SnapshotWriter, RunsJobsInOrderAndEveryPostedJobBeforeStopReturns) {
  SnapshotWriter w;
  std::vector<int> ran;  // written by the writer thread only; read after stop() joined it
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(w.post([&ran, i] { ran.push_back(i); }));
  w.stop();
  ASSERT_EQ(ran.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ran[i], i);
  EXPECT_FALSE(w.post([&ran] { ran.push_back(-1); })) << "a job after stop() is dropped";
  EXPECT_EQ(ran.size(), 100u);
}

TEST(SnapshotWriter, AJobThatThrowsDoesNotEndTheThread) {
  SnapshotWriter w;
  std::atomic<int> after{0};
  w.post([] { throw std::runtime_error("a local copy could not be removed"); });
  w.post([&after] { after.store(1); });
  w.stop();
  EXPECT_EQ(after.load(), 1);
}

TEST(SnapshotWriter, StopWithoutAnyJobStartsNoThreadAndIsIdempotent) {
  SnapshotWriter w;
  w.stop();
  w.stop();
}

}  // namespace
}  // namespace weir::cluster
