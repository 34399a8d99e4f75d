// Windows in running jobs, checked against references computed here with plain loops: tumbling,
// sliding and session (static and dynamic gap) windows in event time with out-of-order and late
// input, allowed lateness and the late-data side output; count windows; and processing-time windows
// driven by a ManualClock. Every test runs at parallelism 1 and 4.
//
// Event-time inputs get timestamps and watermarks in one subtask chained to the source, with a
// watermark after every record, so which records are late is the same in every run.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {

struct Ev {
  int64_t key = 0;
  int64_t ts = 0;
  int64_t value = 0;
  auto operator<=>(const Ev&) const = default;
};
WEIR_STRUCT(Ev, key, ts, value)

//! One firing of a window: its key and bounds, and the sum and number of its elements.
struct WinResult {
  int64_t key = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t sum = 0;
  int64_t count = 0;
  auto operator<=>(const WinResult&) const = default;
};
WEIR_STRUCT(WinResult, key, start, end, sum, count)

inline std::ostream& operator<<(std::ostream& os, const Ev& e) {
  return os << "Ev{key=" << e.key << ", ts=" << e.ts << ", value=" << e.value << "}";
}
inline std::ostream& operator<<(std::ostream& os, const WinResult& r) {
  return os << "{key=" << r.key << ", [" << r.start << ", " << r.end << "), sum=" << r.sum
            << ", count=" << r.count << "}";
}

namespace {

using testing::eventually;
using testing::Feed;
using testing::from_feed;

constexpr int64_t kBound = 100;

class SumCount final : public ProcessWindowFunction<Ev, WinResult, int64_t, TimeWindow> {
 public:
  void process(const int64_t& key, Context& ctx, const std::vector<Ev>& elements,
               Collector<WinResult>& out) override {
    WinResult r{key, ctx.window().start, ctx.window().end, 0, static_cast<int64_t>(elements.size())};
    for (const auto& e : elements) {
      EXPECT_EQ(e.key, key);
      r.sum += e.value;
    }
    out.collect(r);
  }
};

// For count windows: start/end are the first and last value of the window, so order is checked too.
class CountRange final : public ProcessWindowFunction<Ev, WinResult, int64_t, GlobalWindow> {
 public:
  void process(const int64_t& key, Context&, const std::vector<Ev>& elements,
               Collector<WinResult>& out) override {
    WinResult r{key, elements.front().value, elements.back().value, 0, static_cast<int64_t>(elements.size())};
    for (const auto& e : elements) r.sum += e.value;
    out.collect(r);
  }
};

struct SumAgg final : AggregateFunction<Ev, std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>> {
  std::pair<int64_t, int64_t> create_accumulator() override { return {0, 0}; }
  std::pair<int64_t, int64_t> add(const Ev& e, std::pair<int64_t, int64_t> acc) override {
    return {acc.first + e.value, acc.second + 1};
  }
  std::pair<int64_t, int64_t> get_result(const std::pair<int64_t, int64_t>& acc) override { return acc; }
  std::pair<int64_t, int64_t> merge(std::pair<int64_t, int64_t> a, std::pair<int64_t, int64_t> b) override {
    return {a.first + b.first, a.second + b.second};
  }
};

class LabelAgg final
    : public ProcessWindowFunction<std::pair<int64_t, int64_t>, WinResult, int64_t, TimeWindow> {
 public:
  void process(const int64_t& key, Context& ctx, const std::vector<std::pair<int64_t, int64_t>>& v,
               Collector<WinResult>& out) override {
    EXPECT_EQ(v.size(), 1u);
    out.collect({key, ctx.window().start, ctx.window().end, v[0].first, v[0].second});
  }
};

// Mostly increasing timestamps with jitter beyond the watermark bound, and every 37th record far behind.
std::vector<Ev> make_input(int n, uint64_t seed, int keys = 10) {
  std::mt19937_64 rng(seed);
  std::vector<Ev> v;
  for (int i = 0; i < n; ++i) {
    int64_t ts = i * 10 + static_cast<int64_t>(rng() % 200) - 150;
    if (i % 37 == 36) ts -= 1000 + static_cast<int64_t>(rng() % 500);
    v.push_back({static_cast<int64_t>(rng() % keys), ts, static_cast<int64_t>(rng() % 100)});
  }
  return v;
}

struct Expected {
  std::vector<WinResult> fired;
  std::vector<Ev> late;
};

//! Flink's event-time semantics for non-merging windows with the default trigger, step by step:
//! the watermark seen by record i is max(ts of records before i) - bound - 1.
template <typename WindowsOf>
Expected reference_event_time(const std::vector<Ev>& in, int64_t lateness, WindowsOf windows_of) {
  struct Win {
    int64_t sum = 0, count = 0;
    bool fired = false;
  };
  std::map<std::tuple<int64_t, int64_t, int64_t>, Win> open;  // (key, start, end)
  Expected x;
  Timestamp wm = kMinTimestamp, max_ts = kMinTimestamp;
  auto advance = [&](Timestamp to) {
    wm = to;
    for (auto it = open.begin(); it != open.end();) {
      auto [key, start, end] = it->first;
      if (end - 1 <= wm && !it->second.fired) {
        x.fired.push_back({key, start, end, it->second.sum, it->second.count});
        it->second.fired = true;
      }
      if (end - 1 + lateness <= wm) {
        it = open.erase(it);
      } else {
        ++it;
      }
    }
  };
  for (const auto& e : in) {
    bool taken = false;
    for (auto [start, end] : windows_of(e.ts)) {
      if (end - 1 + lateness <= wm) continue;
      taken = true;
      auto& w = open[{e.key, start, end}];
      w.sum += e.value;
      w.count += 1;
      if (end - 1 <= wm) {  // the watermark passed the end already: fire again at once
        x.fired.push_back({e.key, start, end, w.sum, w.count});
        w.fired = true;
      }
    }
    if (!taken && e.ts + lateness <= wm) x.late.push_back(e);
    max_ts = std::max(max_ts, e.ts);
    if (max_ts - kBound - 1 > wm) advance(max_ts - kBound - 1);
  }
  advance(kMaxTimestamp - 1);
  return x;
}

//! Event-time sessions with the default trigger and `lateness` allowed: in-flight sessions of a key merge
//! when they overlap or touch (fired ones too, while their lateness lasts). A session fires when the
//! watermark passes its end, and again at once for every element that joins it after that; it is dropped
//! when the watermark passes its end plus the lateness. An element whose own session is that late, and
//! that joins none, is late.
template <typename GapOf>
Expected reference_sessions(const std::vector<Ev>& in, GapOf gap_of, int64_t lateness = 0) {
  struct Session {
    WinResult r;
    int64_t fired_end = kMinTimestamp;  // the end it last fired with
  };
  std::map<int64_t, std::vector<Session>> open;  // per key: disjoint sessions
  Expected x;
  Timestamp wm = kMinTimestamp, max_ts = kMinTimestamp;
  auto advance = [&](Timestamp to) {
    wm = to;
    for (auto& [key, sessions] : open)
      std::erase_if(sessions, [&](Session& s) {
        if (s.r.end - 1 <= wm && s.fired_end != s.r.end) {
          x.fired.push_back(s.r);
          s.fired_end = s.r.end;
        }
        return s.r.end - 1 + lateness <= wm;
      });
  };
  for (const auto& e : in) {
    Session s{{e.key, e.ts, e.ts + gap_of(e), e.value, 1}};
    auto& sessions = open[e.key];
    bool merged_any = true, joined = false;
    while (merged_any) {
      merged_any = false;
      for (auto it = sessions.begin(); it != sessions.end(); ++it) {
        if (it->r.start <= s.r.end && it->r.end >= s.r.start) {
          s.r = {e.key, std::min(s.r.start, it->r.start), std::max(s.r.end, it->r.end), s.r.sum + it->r.sum,
                 s.r.count + it->r.count};
          sessions.erase(it);
          merged_any = joined = true;
          break;
        }
      }
    }
    if (!joined && s.r.end - 1 + lateness <= wm) {
      if (e.ts + lateness <= wm) x.late.push_back(e);
    } else {
      if (s.r.end - 1 <= wm) {  // the watermark passed its end already: fire at once
        x.fired.push_back(s.r);
        s.fired_end = s.r.end;
      }
      sessions.push_back(s);
    }
    max_ts = std::max(max_ts, e.ts);
    if (max_ts - kBound - 1 > wm) advance(max_ts - kBound - 1);
  }
  advance(kMaxTimestamp - 1);
  return x;
}

template <typename T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class Windows : public testing::BackendFixture {
 protected:
  std::unique_ptr<StreamExecutionEnvironment> make_env() {
    auto env = testing::environment();
    env->set_parallelism(parallelism());
    env->configure("pipeline.auto-watermark-interval", "0");
    return env;
  }
  static DataStream<Ev> timestamped(StreamExecutionEnvironment& env, const std::vector<Ev>& in) {
    auto s = env.from_collection(in).assign_timestamps_and_watermarks(
        WatermarkStrategy<Ev>::for_bounded_out_of_orderness(kBound).with_timestamp_assigner(
            [](const Ev& e, Timestamp) { return e.ts; }));
    s.set_parallelism(1);
    return s;
  }
  static int64_t key_of(const Ev& e) { return e.key; }
};

// Runs `window(...)` + process(SumCount) with allowed lateness and a late side output.
template <typename Assigner>
std::pair<std::vector<WinResult>, std::vector<Ev>> run_event_time(
    StreamExecutionEnvironment& env, DataStream<Ev> in, Assigner assigner, int64_t lateness,
    std::vector<Timestamp>* result_ts = nullptr) {
  OutputTag<Ev> late_tag("late");
  auto windowed = in.key_by([](const Ev& e) { return e.key; })
                      .window(assigner)
                      .allowed_lateness(lateness)
                      .side_output_late_data(late_tag)
                      .process(SumCount());
  auto late = windowed.get_side_output(late_tag).collect();
  auto out = windowed.collect();
  env.execute("event-time windows");
  if (result_ts) *result_ts = out->timestamps();
  return {out->values(), late->values()};
}

TEST_P(Windows, TumblingEventTimeWithLateData) {
  auto input = make_input(3000, 1);
  for (int64_t lateness : {int64_t{0}, int64_t{250}}) {
    auto env = make_env();
    std::vector<Timestamp> ts;
    auto [got, late] =
        run_event_time(*env, timestamped(*env, input), TumblingEventTimeWindows::of(100), lateness, &ts);
    auto want = reference_event_time(input, lateness, [](int64_t t) {
      int64_t s = t - (((t % 100) + 100) % 100);
      return std::vector<std::pair<int64_t, int64_t>>{{s, s + 100}};
    });
    ASSERT_FALSE(want.late.empty());
    EXPECT_EQ(sorted(got), sorted(want.fired)) << "lateness " << lateness;
    EXPECT_EQ(sorted(late), sorted(want.late)) << "lateness " << lateness;
    if (parallelism() == 1) EXPECT_EQ(late, want.late);  // one window subtask: arrival order
    // Results carry the window's max timestamp.
    ASSERT_EQ(ts.size(), got.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(ts[i], got[i].end - 1);
  }
}

TEST_P(Windows, AllowedLatenessFiresAgainForEachLateElement) {
  // One key; window [0, 100). The watermark passes 99 after ts 200 arrives.
  std::vector<Ev> input{{1, 10, 1},   {1, 50, 2},  {1, 200, 4}, {1, 60, 8},
                        {1, 400, 16}, {1, 70, 32}, {1, 90, 64}};
  auto env = make_env();
  auto [got, late] = run_event_time(*env, timestamped(*env, input), TumblingEventTimeWindows::of(100), 200);
  // On time: {1, 2}; 60 arrives at watermark 99 (fires again with 3 elements); the watermark then
  // reaches 299 >= 99 + 200, so the window is gone and 70 and 90 are late.
  std::vector<WinResult> want{
      {1, 0, 100, 3, 2}, {1, 0, 100, 11, 3}, {1, 200, 300, 4, 1}, {1, 400, 500, 16, 1}};
  EXPECT_EQ(sorted(got), sorted(want));
  EXPECT_EQ(late, (std::vector<Ev>{{1, 70, 32}, {1, 90, 64}}));
  auto ref = reference_event_time(input, 200, [](int64_t t) {
    int64_t s = t - t % 100;
    return std::vector<std::pair<int64_t, int64_t>>{{s, s + 100}};
  });
  EXPECT_EQ(sorted(ref.fired), sorted(want));
}

TEST_P(Windows, SlidingEventTimeWithLateData) {
  auto input = make_input(2000, 2);
  for (int64_t lateness : {int64_t{0}, int64_t{120}}) {
    auto env = make_env();
    auto [got, late] =
        run_event_time(*env, timestamped(*env, input), SlidingEventTimeWindows::of(200, 50, 10), lateness);
    auto want = reference_event_time(input, lateness, [](int64_t t) {
      std::vector<std::pair<int64_t, int64_t>> w;
      for (int64_t s = -100000; s < 100000; s += 50)
        if (s + 10 <= t && t < s + 10 + 200) w.push_back({s + 10, s + 210});
      return w;
    });
    ASSERT_FALSE(want.late.empty());
    EXPECT_EQ(sorted(got), sorted(want.fired)) << "lateness " << lateness;
    EXPECT_EQ(sorted(late), sorted(want.late)) << "lateness " << lateness;
  }
}

TEST_P(Windows, SessionEventTimeStaticGap) {
  auto input = make_input(2000, 3, 40);  // sparse keys: sessions split and merge
  auto env = make_env();
  auto [got, late] =
      run_event_time(*env, timestamped(*env, input), EventTimeSessionWindows::with_gap(150), 0);
  auto want = reference_sessions(input, [](const Ev&) { return int64_t{150}; });
  ASSERT_FALSE(want.late.empty());
  EXPECT_EQ(sorted(got), sorted(want.fired));
  EXPECT_EQ(sorted(late), sorted(want.late));
}

TEST_P(Windows, SessionEventTimeDynamicGap) {
  auto input = make_input(2000, 4, 40);
  auto gap = [](const Ev& e) { return int64_t{50} + (e.value % 5) * 40; };
  auto env = make_env();
  auto [got, late] =
      run_event_time(*env, timestamped(*env, input), EventTimeSessionWindows::with_dynamic_gap(gap), 0);
  auto want = reference_sessions(input, gap);
  EXPECT_EQ(sorted(got), sorted(want.fired));
  EXPECT_EQ(sorted(late), sorted(want.late));
}

// Sessions that fire, take late elements within the allowed lateness (growing, merging with one another and
// firing again), and are dropped after it: the session timers must follow every one of those moves.
TEST_P(Windows, SessionEventTimeWithAllowedLatenessFiresAgainAsLateElementsJoin) {
  auto input = make_input(3000, 7, 25);
  for (int64_t lateness : {int64_t{0}, int64_t{40}, int64_t{400}, int64_t{2000}}) {
    for (bool dynamic : {false, true}) {
      auto gap = [dynamic](const Ev& e) { return dynamic ? int64_t{30} + (e.value % 4) * 50 : int64_t{90}; };
      auto env = make_env();
      auto stream = timestamped(*env, input);
      auto [got, late] =
          dynamic ? run_event_time(*env, stream, EventTimeSessionWindows::with_dynamic_gap(gap), lateness)
                  : run_event_time(*env, stream, EventTimeSessionWindows::with_gap(90), lateness);
      auto want = reference_sessions(input, gap, lateness);
      if (lateness < 2000) ASSERT_FALSE(want.late.empty());
      ASSERT_GT(want.fired.size(), 100u);
      EXPECT_EQ(sorted(got), sorted(want.fired)) << "lateness " << lateness << (dynamic ? " dynamic" : "");
      EXPECT_EQ(sorted(late), sorted(want.late)) << "lateness " << lateness << (dynamic ? " dynamic" : "");
    }
  }
}

TEST_P(Windows, SessionReduceAndAggregateMergeState) {
  auto input = make_input(1500, 5, 30);
  auto want = reference_sessions(input, [](const Ev&) { return int64_t{120}; });
  auto env = make_env();
  auto keyed = timestamped(*env, input).key_by([](const Ev& e) { return e.key; });
  auto reduced = keyed.window(EventTimeSessionWindows::with_gap(120))
                     .reduce([](const Ev& a, const Ev& b) {
                       return Ev{a.key, std::max(a.ts, b.ts), a.value + b.value};
                     })
                     .collect();
  auto aggregated =
      keyed.window(EventTimeSessionWindows::with_gap(120)).aggregate(SumAgg(), LabelAgg()).collect();
  env->execute("session reduce");
  std::multiset<std::pair<int64_t, int64_t>> want_sums, got_sums;
  for (const auto& w : want.fired) want_sums.insert({w.key, w.sum});
  for (const auto& e : reduced->values()) got_sums.insert({e.key, e.value});
  EXPECT_EQ(got_sums, want_sums);
  EXPECT_EQ(sorted(aggregated->values()), sorted(want.fired));
}

TEST_P(Windows, TumblingReduceAndAggregateAreIncremental) {
  auto input = make_input(2000, 6);
  auto want = reference_event_time(input, 0, [](int64_t t) {
    int64_t s = t - (((t % 100) + 100) % 100);
    return std::vector<std::pair<int64_t, int64_t>>{{s, s + 100}};
  });
  auto env = make_env();
  auto keyed = timestamped(*env, input).key_by([](const Ev& e) { return e.key; });
  struct SumValues final : ReduceFunction<Ev> {
    Ev reduce(const Ev& a, const Ev& b) override { return {a.key, a.ts, a.value + b.value}; }
  };
  auto reduced = keyed.window(TumblingEventTimeWindows::of(100)).reduce(SumValues()).collect();
  auto aggregated = keyed.window(TumblingEventTimeWindows::of(100)).aggregate(SumAgg(), LabelAgg()).collect();
  env->execute("tumbling reduce");
  std::multiset<std::pair<int64_t, int64_t>> want_sums, got_sums;
  for (const auto& w : want.fired) want_sums.insert({w.key, w.sum});
  for (const auto& e : reduced->values()) got_sums.insert({e.key, e.value});
  EXPECT_EQ(got_sums, want_sums);
  EXPECT_EQ(sorted(aggregated->values()), sorted(want.fired));
}

TEST_P(Windows, CountWindowsTumblingAndSliding) {
  std::vector<Ev> input;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) input.push_back({static_cast<int64_t>(rng() % 13), 0, i});
  // Reference: per key in arrival order; tumbling fires every 5; sliding(5, 2) fires every 2 over the last 5.
  std::map<int64_t, std::vector<int64_t>> per_key;
  for (const auto& e : input) per_key[e.key].push_back(e.value);
  std::vector<WinResult> want_tumbling, want_sliding;
  for (const auto& [k, vs] : per_key) {
    for (size_t i = 5; i <= vs.size(); i += 5) {
      WinResult r{k, vs[i - 5], vs[i - 1], 0, 5};
      for (size_t j = i - 5; j < i; ++j) r.sum += vs[j];
      want_tumbling.push_back(r);
    }
    for (size_t i = 2; i <= vs.size(); i += 2) {
      size_t from = i >= 5 ? i - 5 : 0;
      WinResult r{k, vs[from], vs[i - 1], 0, static_cast<int64_t>(i - from)};
      for (size_t j = from; j < i; ++j) r.sum += vs[j];
      want_sliding.push_back(r);
    }
  }
  auto env = make_env();
  auto keyed = env->from_collection(input).key_by([](const Ev& e) { return e.key; });
  auto tumbling = keyed.count_window(5).process(CountRange()).collect();
  auto sliding = keyed.count_window(5, 2).process(CountRange()).collect();
  auto sliding_sum = keyed.count_window(5, 2)
                         .reduce([](const Ev& a, const Ev& b) {
                           return Ev{a.key, 0, a.value + b.value};
                         })
                         .collect();
  env->execute("count windows");
  EXPECT_EQ(sorted(tumbling->values()), sorted(want_tumbling));
  EXPECT_EQ(sorted(sliding->values()), sorted(want_sliding));
  std::multiset<std::pair<int64_t, int64_t>> want_sums, got_sums;
  for (const auto& w : want_sliding) want_sums.insert({w.key, w.sum});
  for (const auto& e : sliding_sum->values()) got_sums.insert({e.key, e.value});
  EXPECT_EQ(got_sums, want_sums);
}

TEST_P(Windows, ContinuousEventTimeTriggerFiresEarly) {
  // Watermarks after each record: -91, 249, 599, 1099, then the end.
  std::vector<Ev> input{{1, 10, 1}, {1, 350, 2}, {1, 700, 4}, {1, 1200, 8}};
  auto env = make_env();
  auto out = timestamped(*env, input)
                 .key_by([](const Ev& e) { return e.key; })
                 .window(TumblingEventTimeWindows::of(1000))
                 .trigger(ContinuousEventTimeTrigger::of(300))
                 .process(SumCount())
                 .collect();
  env->execute("continuous trigger");
  // [0, 1000) fires at 300, 600, 900 and at its end 999; [1000, 2000) at 1500, 1800 and 1999.
  std::vector<WinResult> want(4, WinResult{1, 0, 1000, 7, 3});
  for (int i = 0; i < 3; ++i) want.push_back({1, 1000, 2000, 8, 1});
  EXPECT_EQ(sorted(out->values()), sorted(want));
}

TEST_P(Windows, EventTimeWindowWithoutTimestampsFailsClearly) {
  auto env = make_env();
  env->from_collection(std::vector<Ev>{{1, 1, 1}})
      .key_by([](const Ev& e) { return e.key; })
      .window(TumblingEventTimeWindows::of(10))
      .process(SumCount())
      .collect();
  try {
    env->execute("no timestamps");
    FAIL() << "the job should fail";
  } catch (const JobExecutionError& e) {
    EXPECT_NE(std::string(e.what()).find("record has no timestamp: use assign_timestamps_and_watermarks"),
              std::string::npos)
        << e.what();
  }
}

// ---- processing time ----

//! Wraps a trigger and counts elements it sees, so the test knows every record of a step reached
//! its window before it moves the clock.
template <typename Inner>
class CountingTrigger {
 public:
  CountingTrigger(Inner inner, std::shared_ptr<std::atomic<int64_t>> seen)
      : inner_(inner), seen_(std::move(seen)) {}
  template <typename T, typename W>
  TriggerResult on_element(const T& e, Timestamp ts, const W& w, TriggerContext& ctx) {
    auto r = inner_.on_element(e, ts, w, ctx);
    seen_->fetch_add(1);
    return r;
  }
  template <typename W>
  TriggerResult on_event_time(Timestamp t, const W& w, TriggerContext& ctx) {
    return inner_.on_event_time(t, w, ctx);
  }
  template <typename W>
  TriggerResult on_processing_time(Timestamp t, const W& w, TriggerContext& ctx) {
    return inner_.on_processing_time(t, w, ctx);
  }
  bool can_merge() const { return inner_.can_merge(); }
  template <typename W>
  void on_merge(const W& w, OnMergeContext& ctx) {
    inner_.on_merge(w, ctx);
  }
  template <typename W>
  void clear(const W& w, TriggerContext& ctx) {
    inner_.clear(w, ctx);
  }

 private:
  Inner inner_;
  std::shared_ptr<std::atomic<int64_t>> seen_;
};

//! Records pushed at one processing time; the clock then moves to `then`.
struct Step {
  Timestamp at;
  std::vector<Ev> records;
  Timestamp then;
};

std::vector<Step> make_steps(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Step> steps;
  Timestamp t = 1000;
  for (int s = 0; s < 12; ++s) {
    Step st{t, {}, t + 10 + static_cast<int64_t>(rng() % 90)};
    // The clock never stops on a window's last millisecond (a multiple of 50, minus 1): records of the next
    // step would re-open the window that just fired and register a timer that is already due, which a
    // task may fire between two of those records; the references count them as one re-opened window.
    if ((st.then + 1) % 50 == 0) ++st.then;
    int n = 20 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i)
      st.records.push_back({static_cast<int64_t>(rng() % 8), 0, static_cast<int64_t>(rng() % 100)});
    steps.push_back(st);
    t = st.then;
  }
  return steps;
}

//! Runs a processing-time window job step by step; after each clock move checks that exactly the
//! windows the reference fired by then were emitted.
//! `windows_per_element`: how many windows the assigner gives each element (the trigger sees each).
template <typename Assigner, typename Reference>
void run_processing_time(int parallelism, Assigner assigner, int64_t windows_per_element,
                         const std::vector<Step>& steps, Reference reference) {
  auto clock = std::make_shared<ManualClock>(steps.front().at);
  auto env = testing::environment();
  env->set_parallelism(parallelism);
  env->set_clock(clock);
  auto feed = std::make_shared<Feed<Ev>>();
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  auto out = from_feed(*env, feed)
                 .key_by([](const Ev& e) { return e.key; })
                 .window(assigner)
                 .trigger(CountingTrigger(assigner.default_trigger(), seen))
                 .process(SumCount())
                 .collect();
  auto client = env->execute_async("processing-time windows");
  int64_t pushed = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    clock->set(steps[i].at);
    for (const auto& e : steps[i].records) feed->push(e);
    pushed += windows_per_element * static_cast<int64_t>(steps[i].records.size());
    ASSERT_TRUE(eventually([&] { return seen->load() == pushed; })) << "step " << i;
    clock->set(steps[i].then);
    auto want = reference(std::vector<Step>(steps.begin(), steps.begin() + i + 1), steps[i].then);
    ASSERT_TRUE(eventually([&] { return out->size() >= want.size(); })) << "step " << i;
    EXPECT_EQ(sorted(out->values()), sorted(want)) << "step " << i;
  }
  // Let every window end, then finish the job.
  Timestamp final_time = steps.back().then + 100000;
  clock->set(final_time);
  auto want = reference(steps, final_time);
  ASSERT_TRUE(eventually([&] { return out->size() >= want.size(); }));
  feed->close();
  client.get_job_execution_result();
  EXPECT_EQ(sorted(out->values()), sorted(want));
}

//! Non-merging processing-time windows fired by time `now`, step by step: a step's records join the
//! windows of its time; when the clock then moves, every window with end - 1 <= clock fires and is
//! dropped (so a record that arrives at a window's max timestamp after it fired starts it anew).
template <typename WindowsOf>
std::vector<WinResult> reference_processing_time(const std::vector<Step>& steps, Timestamp now,
                                                 WindowsOf windows_of) {
  std::map<std::tuple<int64_t, int64_t, int64_t>, WinResult> wins;
  std::vector<WinResult> fired;
  for (const auto& st : steps) {
    for (const auto& e : st.records)
      for (auto [s, end] : windows_of(st.at)) {
        auto& w = wins[{e.key, s, end}];
        w = {e.key, s, end, w.sum + e.value, w.count + 1};
      }
    Timestamp clock = &st == &steps.back() ? now : st.then;
    for (auto it = wins.begin(); it != wins.end();) {
      if (it->second.end - 1 <= clock) {
        fired.push_back(it->second);
        it = wins.erase(it);
      } else {
        ++it;
      }
    }
  }
  return fired;
}

TEST_P(Windows, TumblingProcessingTime) {
  run_processing_time(parallelism(), TumblingProcessingTimeWindows::of(100), 1, make_steps(11),
                      [](const std::vector<Step>& steps, Timestamp now) {
                        return reference_processing_time(steps, now, [](Timestamp t) {
                          return std::vector<std::pair<int64_t, int64_t>>{{t - t % 100, t - t % 100 + 100}};
                        });
                      });
}

TEST_P(Windows, SlidingProcessingTime) {
  run_processing_time(parallelism(), SlidingProcessingTimeWindows::of(150, 50), 3, make_steps(12),
                      [](const std::vector<Step>& steps, Timestamp now) {
                        return reference_processing_time(steps, now, [](Timestamp t) {
                          std::vector<std::pair<int64_t, int64_t>> w;
                          for (int64_t s = t - t % 50; s > t - 150; s -= 50) w.push_back({s, s + 150});
                          return w;
                        });
                      });
}

//! Processing-time sessions: a step's records open [at, at + gap) and merge with the key's in-flight
//! session; a session ends (fires) once the clock reaches its end - 1.
std::vector<WinResult> reference_processing_sessions(const std::vector<Step>& steps, Timestamp now,
                                                     int64_t gap) {
  std::map<int64_t, WinResult> open;  // per key: the one in-flight session (steps move time forward)
  std::vector<WinResult> fired;
  for (const auto& st : steps) {
    for (const auto& e : st.records) {
      auto it = open.find(e.key);
      if (it != open.end() && it->second.end >= st.at) {
        it->second.end = std::max(it->second.end, st.at + gap);
        it->second.sum += e.value;
        it->second.count += 1;
      } else {
        open[e.key] = {e.key, st.at, st.at + gap, e.value, 1};
      }
    }
    // The clock moves to st.then: sessions that end by then fire.
    Timestamp t = &st == &steps.back() ? now : st.then;
    for (auto it = open.begin(); it != open.end();) {
      if (it->second.end - 1 <= t) {
        fired.push_back(it->second);
        it = open.erase(it);
      } else {
        ++it;
      }
    }
  }
  return fired;
}

TEST_P(Windows, SessionProcessingTime) {
  run_processing_time(parallelism(), ProcessingTimeSessionWindows::with_gap(120), 1, make_steps(13),
                      [](const std::vector<Step>& steps, Timestamp now) {
                        return reference_processing_sessions(steps, now, 120);
                      });
}

INSTANTIATE_TEST_SUITE_P(Backends, Windows,
                         ::testing::Combine(::testing::Values(1, 4),
                                            ::testing::ValuesIn(testing::kStateBackendsAndTimerStores)),
                         testing::backend_param_name);

}  // namespace
}  // namespace weir
