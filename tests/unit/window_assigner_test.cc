// Window assigners, TimeWindow and MergingWindowSet against references written out by hand or by brute force.
#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "weir/weir.h"

namespace weir {
namespace {

template <typename A>
std::vector<typename A::Window> assign(const A& a, Timestamp ts, Timestamp now = 0) {
  std::vector<typename A::Window> out;
  a.assign_windows(0, ts, now, out);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(TimeWindow, BasicsMatchFlink) {
  TimeWindow w{10, 20};
  EXPECT_EQ(w.max_timestamp(), 19);
  EXPECT_TRUE(w.intersects({20, 30}));  // touching windows merge, as in Flink
  EXPECT_TRUE(w.intersects({0, 10}));
  EXPECT_FALSE(w.intersects({21, 30}));
  EXPECT_EQ(w.cover({5, 12}), (TimeWindow{5, 20}));
  EXPECT_EQ(deserialize_from_string<TimeWindow>(serialize_to_string(w)), w);
  EXPECT_EQ(serialize_to_string(GlobalWindow{}).size(), 1u);
}

TEST(TimeWindow, MergeWindowsGroupsOverlaps) {
  auto merges = TimeWindow::merge_windows({{10, 15}, {0, 5}, {4, 8}, {20, 25}, {14, 16}});
  ASSERT_EQ(merges.size(), 2u);
  EXPECT_EQ(merges[0].first, (TimeWindow{0, 8}));
  EXPECT_EQ(merges[0].second.size(), 2u);
  EXPECT_EQ(merges[1].first, (TimeWindow{10, 16}));
  EXPECT_TRUE(TimeWindow::merge_windows({{0, 5}, {6, 8}}).empty());
}

TEST(TumblingWindows, StartFollowsFlinkFormula) {
  auto a = TumblingEventTimeWindows::of(10);
  EXPECT_EQ(assign(a, 0), (std::vector<TimeWindow>{{0, 10}}));
  EXPECT_EQ(assign(a, 9), (std::vector<TimeWindow>{{0, 10}}));
  EXPECT_EQ(assign(a, 10), (std::vector<TimeWindow>{{10, 20}}));
  EXPECT_EQ(assign(a, -1), (std::vector<TimeWindow>{{-10, 0}}));
  auto o = TumblingEventTimeWindows::of(10, 3);
  EXPECT_EQ(assign(o, 2), (std::vector<TimeWindow>{{-7, 3}}));
  EXPECT_EQ(assign(o, 3), (std::vector<TimeWindow>{{3, 13}}));
  // Flink's formula ts - (ts - offset + size) % size, for non-negative ts - offset + size.
  for (Timestamp ts = 0; ts < 200; ++ts)
    for (int64_t off : {0, 1, 7}) {
      Timestamp start = ts - (ts - off + 10) % 10;
      EXPECT_EQ(assign(TumblingEventTimeWindows::of(10, off), ts),
                (std::vector<TimeWindow>{{start, start + 10}}));
    }
  // Processing time uses the clock, not the record's timestamp.
  EXPECT_EQ(assign(TumblingProcessingTimeWindows::of(10), 3, 47), (std::vector<TimeWindow>{{40, 50}}));
}

TEST(TumblingWindows, RejectsBadParameters) {
  EXPECT_THROW(TumblingEventTimeWindows::of(0), JobDefinitionError);
  EXPECT_THROW(TumblingEventTimeWindows::of(10, 10), JobDefinitionError);
  EXPECT_THROW(TumblingProcessingTimeWindows::of(10, -11), JobDefinitionError);
  EXPECT_THROW(SlidingEventTimeWindows::of(10, 0), JobDefinitionError);
  EXPECT_THROW(SlidingEventTimeWindows::of(10, 5, 5), JobDefinitionError);
  EXPECT_THROW(EventTimeSessionWindows::with_gap(0), JobDefinitionError);
  EXPECT_THROW(CountTrigger::of(0), JobDefinitionError);
}

TEST(SlidingWindows, MatchBruteForce) {
  for (int64_t size : {10, 15, 3})
    for (int64_t slide : {1, 5, 10})
      for (int64_t off : {int64_t{0}, slide - 1}) {
        auto a = SlidingEventTimeWindows::of(size, slide, off);
        for (Timestamp ts = -40; ts < 60; ++ts) {
          std::vector<TimeWindow> expected;
          for (Timestamp s = -200; s < 200; ++s)
            if (((s - off) % slide + slide) % slide == 0 && s <= ts && ts < s + size)
              expected.push_back({s, s + size});
          EXPECT_EQ(assign(a, ts), expected)
              << "size " << size << " slide " << slide << " offset " << off << " ts " << ts;
        }
      }
  EXPECT_EQ(assign(SlidingProcessingTimeWindows::of(10, 5), 0, 7),
            (std::vector<TimeWindow>{{0, 10}, {5, 15}}));
}

TEST(SessionWindows, OpenGapLongWindows) {
  EXPECT_EQ(assign(EventTimeSessionWindows::with_gap(5), 3), (std::vector<TimeWindow>{{3, 8}}));
  EXPECT_EQ(assign(ProcessingTimeSessionWindows::with_gap(5), 3, 100), (std::vector<TimeWindow>{{100, 105}}));
  auto dyn = EventTimeSessionWindows::with_dynamic_gap([](const int& v) { return v + 4; });
  std::vector<TimeWindow> out;
  dyn.assign_windows(2, 10, 0, out);
  EXPECT_EQ(out, (std::vector<TimeWindow>{{10, 16}}));
  auto bad = ProcessingTimeSessionWindows::with_dynamic_gap([](const int&) { return 0; });
  EXPECT_THROW(bad.assign_windows(1, 0, 0, out), JobDefinitionError);
}

TEST(GlobalWindows, OneWindow) {
  std::vector<GlobalWindow> out;
  GlobalWindows::create().assign_windows(1, 5, 5, out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].max_timestamp(), kMaxTimestamp);
}

struct MergeCall {
  TimeWindow result;
  std::vector<TimeWindow> merged;
  TimeWindow state_result;
  std::vector<TimeWindow> merged_state;
};

//! Session windows without kMergesIntersectingTimeWindows: MergingWindowSet's general path, which asks
//! merge_windows, for the same results as its path for sessions.
struct SessionsThroughMergeWindows {
  EventTimeSessionWindows sessions;
  auto merge_windows(const std::vector<TimeWindow>& w) const { return sessions.merge_windows(w); }
};

template <typename Assigner>
void merges_and_keeps_one_state_window(const Assigner& sessions) {
  windowing::MergingWindowSet<TimeWindow> set;
  std::vector<MergeCall> calls;
  auto record = [&](const TimeWindow& r, const std::vector<TimeWindow>& m, const TimeWindow& sr,
                    const std::vector<TimeWindow>& ms) {
    calls.push_back({r, m, sr, ms});
  };
  EXPECT_EQ(set.add_window({0, 5}, sessions, record), (TimeWindow{0, 5}));
  EXPECT_EQ(set.add_window({10, 15}, sessions, record), (TimeWindow{10, 15}));
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(*set.state_window({0, 5}), (TimeWindow{0, 5}));

  // A window inside an existing one changes nothing.
  EXPECT_EQ(set.add_window({1, 4}, sessions, record), (TimeWindow{0, 5}));
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(set.size(), 2u);

  // Bridging the two merges all three; the state of one survives and the other's merges into it.
  TimeWindow r = set.add_window({4, 11}, sessions, record);
  EXPECT_EQ(r, (TimeWindow{0, 15}));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].result, r);
  EXPECT_EQ(std::set<TimeWindow>(calls[0].merged.begin(), calls[0].merged.end()),
            (std::set<TimeWindow>{{0, 5}, {10, 15}}));
  ASSERT_EQ(calls[0].merged_state.size(), 1u);
  EXPECT_NE(calls[0].merged_state[0], calls[0].state_result);
  EXPECT_EQ(*set.state_window(r), calls[0].state_result);
  EXPECT_EQ(set.size(), 1u);

  // Extending a window keeps its state window.
  calls.clear();
  EXPECT_EQ(set.add_window({14, 19}, sessions, record), (TimeWindow{0, 19}));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].merged_state.empty());
  EXPECT_EQ(*set.state_window({0, 19}), calls[0].state_result);

  set.retire_window({0, 19});
  EXPECT_EQ(set.size(), 0u);
  EXPECT_THROW(set.retire_window({0, 19}), WeirError);
}

TEST(MergingWindowSet, MergesAndKeepsOneStateWindow) {
  merges_and_keeps_one_state_window(EventTimeSessionWindows::with_gap(5));
}
TEST(MergingWindowSet, TheGeneralPathMergesAsTheSessionPath) {
  merges_and_keeps_one_state_window(SessionsThroughMergeWindows{EventTimeSessionWindows::with_gap(5)});
}

// Random windows (dynamic-gap sessions, some inside, touching or bridging others) and retirements: the
// session path and the general path return the same windows, make the same merge calls (state windows
// included) and end with the same mapping, step by step.
TEST(MergingWindowSet, TheSessionPathEqualsTheGeneralPathOnRandomWindows) {
  const auto sessions = EventTimeSessionWindows::with_gap(5);
  const SessionsThroughMergeWindows general{sessions};
  std::mt19937_64 rng(17);
  for (int round = 0; round < 200; ++round) {
    windowing::MergingWindowSet<TimeWindow> fast, slow;
    for (int i = 0; i < 40; ++i) {
      if (fast.size() > 0 && rng() % 6 == 0) {
        TimeWindow victim = fast.mapping()[rng() % fast.size()].first;
        fast.retire_window(victim);
        slow.retire_window(victim);
        continue;
      }
      Timestamp start = static_cast<Timestamp>(rng() % 200);
      TimeWindow w{start, start + 1 + static_cast<Timestamp>(rng() % 12)};
      std::vector<MergeCall> fast_calls, slow_calls;
      auto record = [](std::vector<MergeCall>& calls) {
        return [&calls](const TimeWindow& r, const std::vector<TimeWindow>& m, const TimeWindow& sr,
                        const std::vector<TimeWindow>& ms) {
          calls.push_back({r, m, sr, ms});
        };
      };
      TimeWindow a = fast.add_window(w, sessions, record(fast_calls));
      TimeWindow b = slow.add_window(w, general, record(slow_calls));
      ASSERT_EQ(a, b) << "round " << round << " step " << i;
      ASSERT_EQ(fast_calls.size(), slow_calls.size()) << "round " << round << " step " << i;
      for (size_t c = 0; c < fast_calls.size(); ++c) {
        EXPECT_EQ(fast_calls[c].result, slow_calls[c].result);
        EXPECT_EQ(fast_calls[c].merged, slow_calls[c].merged);
        EXPECT_EQ(fast_calls[c].state_result, slow_calls[c].state_result);
        EXPECT_EQ(fast_calls[c].merged_state, slow_calls[c].merged_state);
      }
      ASSERT_EQ(fast.mapping(), slow.mapping()) << "round " << round << " step " << i;
      // The invariant the session path relies on: in-flight windows neither overlap nor touch.
      for (size_t k = 1; k < fast.size(); ++k)
        ASSERT_LT(fast.mapping()[k - 1].first.end, fast.mapping()[k].first.start);
    }
  }
}

}  // namespace
}  // namespace weir
