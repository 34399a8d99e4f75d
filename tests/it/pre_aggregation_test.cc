// Pre-aggregated window aggregates (WindowedStream::pre_aggregate): tumbling, sliding and session windows
// in event time against plain-loop references at parallelism 1 and 4; late elements and allowed
// lateness against the same job without pre-aggregation (watermarks after every record, so the late
// ones are known); processing-time windows (every element counted once); a savepoint round trip; the
// operator ids (a savepoint of the job without it restores into the job with it); and the definitions
// it refuses, each with an error that names the problem.
#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {

struct PaEv {
  int64_t key = 0;
  int64_t ts = 0;
  int64_t value = 0;
  auto operator<=>(const PaEv&) const = default;
};
WEIR_STRUCT(PaEv, key, ts, value)

struct PaResult {
  int64_t key = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t sum = 0;
  int64_t count = 0;
  auto operator<=>(const PaResult&) const = default;
};
WEIR_STRUCT(PaResult, key, start, end, sum, count)

namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using Acc = std::pair<int64_t, int64_t>;

struct SumCount final : AggregateFunction<PaEv, Acc, Acc> {
  Acc create_accumulator() override { return {0, 0}; }
  Acc add(const PaEv& e, Acc acc) override { return {acc.first + e.value, acc.second + 1}; }
  Acc get_result(const Acc& acc) override { return acc; }
  Acc merge(Acc a, Acc b) override { return {a.first + b.first, a.second + b.second}; }
};

class Label final : public ProcessWindowFunction<Acc, PaResult, int64_t, TimeWindow> {
 public:
  void process(const int64_t& key, Context& ctx, const std::vector<Acc>& v,
               Collector<PaResult>& out) override {
    out.collect({key, ctx.window().start, ctx.window().end, v[0].first, v[0].second});
  }
};

template <typename T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

//! Elements of 20 keys, one per 10 ms of event time, up to `disorder` ms out of order; a hot key
//! (key 0) has every other element, as Nexmark's hot bidders do.
std::vector<PaEv> events(int n, int64_t disorder, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<PaEv> in;
  for (int i = 0; i < n; ++i) {
    int64_t key = i % 2 == 0 ? 0 : 1 + static_cast<int64_t>(rng() % 19);
    // Some keys pause now and then, so that their sessions end.
    int64_t ts = i * 10 - static_cast<int64_t>(rng() % static_cast<uint64_t>(disorder + 1));
    if (key != 0 && (i / 400) % 3 == 1 && key % 3 == 0) continue;
    in.push_back({key, ts, static_cast<int64_t>(rng() % 100)});
  }
  return in;
}

//! Tumbling (slide == size) or sliding windows of every element, none late: the sums per window.
std::vector<PaResult> window_reference(const std::vector<PaEv>& in, int64_t size, int64_t slide) {
  std::map<std::tuple<int64_t, int64_t, int64_t>, Acc> w;
  for (const auto& e : in) {
    int64_t last = e.ts - (((e.ts % slide) + slide) % slide);
    for (int64_t s = last; s > e.ts - size; s -= slide) {
      auto& a = w[{e.key, s, s + size}];
      a.first += e.value;
      a.second += 1;
    }
  }
  std::vector<PaResult> out;
  for (const auto& [k, a] : w)
    out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), a.first, a.second});
  return out;
}

//! Sessions of every element, none late: per key, the runs of [ts, ts + gap) that overlap or touch.
std::vector<PaResult> session_reference(const std::vector<PaEv>& in, int64_t gap) {
  std::map<int64_t, std::vector<PaEv>> by_key;
  for (const auto& e : in) by_key[e.key].push_back(e);
  std::vector<PaResult> out;
  for (auto& [key, es] : by_key) {
    std::sort(es.begin(), es.end(), [](const PaEv& a, const PaEv& b) { return a.ts < b.ts; });
    PaResult cur{key, es[0].ts, es[0].ts + gap, 0, 0};
    for (const auto& e : es) {
      if (e.ts > cur.end) {
        out.push_back(cur);
        cur = {key, e.ts, e.ts + gap, 0, 0};
      }
      cur.end = std::max(cur.end, e.ts + gap);
      cur.sum += e.value;
      cur.count += 1;
    }
    out.push_back(cur);
  }
  return out;
}

template <typename Assigner>
std::shared_ptr<CollectedResults<PaResult>> windowed_sums(StreamExecutionEnvironment& env,
                                                          const std::vector<PaEv>& in, int64_t bound,
                                                          Assigner assigner, bool pre_aggregate,
                                                          int64_t lateness = 0, int64_t max_entries = 1024) {
  auto src = env.from_collection(in).assign_timestamps_and_watermarks(
      WatermarkStrategy<PaEv>::for_bounded_out_of_orderness(bound).with_timestamp_assigner(
          [](const PaEv& e, Timestamp) { return e.ts; }));
  src.set_parallelism(1);
  auto ws = src.key_by([](const PaEv& e) { return e.key; }).window(assigner);
  if (lateness > 0) ws.allowed_lateness(lateness);
  if (pre_aggregate) ws.pre_aggregate(max_entries);
  return ws.aggregate(SumCount(), Label(), "sums").collect();
}

class PreAggregation : public ::testing::TestWithParam<int> {};

TEST_P(PreAggregation, TumblingSlidingAndSessionWindowsEqualTheirReferences) {
  constexpr int64_t kBound = 200;
  const auto in = events(6000, kBound, 3);  // disorder within the bound: nothing is late
  struct Case {
    const char* what;
    std::vector<PaResult> want;
    std::function<std::shared_ptr<CollectedResults<PaResult>>(StreamExecutionEnvironment&, int64_t)> run;
  };
  std::vector<Case> cases = {
      {"tumbling", window_reference(in, 500, 500),
       [&](StreamExecutionEnvironment& env, int64_t entries) {
         return windowed_sums(env, in, kBound, TumblingEventTimeWindows::of(500), true, 0, entries);
       }},
      {"sliding", window_reference(in, 400, 100),
       [&](StreamExecutionEnvironment& env, int64_t entries) {
         return windowed_sums(env, in, kBound, SlidingEventTimeWindows::of(400, 100), true, 0, entries);
       }},
      {"sessions", session_reference(in, 150),
       [&](StreamExecutionEnvironment& env, int64_t entries) {
         return windowed_sums(env, in, kBound, EventTimeSessionWindows::with_gap(150), true, 0, entries);
       }},
  };
  for (const auto& c : cases) {
    // 1024 partials fold whole batches; 3 sends them on every few elements.
    for (int64_t entries : {1024, 3}) {
      auto env = StreamExecutionEnvironment::get_execution_environment();
      env->set_parallelism(GetParam());
      auto out = c.run(*env, entries);
      env->execute(std::string("pre-aggregated ") + c.what);
      EXPECT_EQ(sorted(out->values()), sorted(c.want)) << c.what << ", " << entries << " entries";
      // Results carry the window's max timestamp.
      const auto ts = out->timestamps();
      const auto vals = out->values();
      ASSERT_EQ(ts.size(), vals.size());
      for (size_t i = 0; i < vals.size(); ++i) EXPECT_EQ(ts[i], vals[i].end - 1) << c.what;
    }
  }
}

TEST_P(PreAggregation, LateElementsAndAllowedLatenessAsWithoutIt) {
  // Watermarks after every record: which elements are late, and which windows fire again within the
  // allowed lateness, is fixed by the input; the job without pre-aggregation is the reference.
  std::mt19937_64 rng(11);
  std::vector<PaEv> in;
  for (int i = 0; i < 4000; ++i) {
    int64_t ts = i * 10 - static_cast<int64_t>(rng() % 150);
    // Behind the watermark: some far (dropped), some within a session gap or the allowed lateness of
    // windows still open or just fired.
    if (i % 29 == 28) ts -= 300 + static_cast<int64_t>(rng() % 900);
    if (i % 7 == 3) ts -= 100 + static_cast<int64_t>(rng() % 150);
    in.push_back({i % 2 == 0 ? 0 : static_cast<int64_t>(rng() % 7), ts, static_cast<int64_t>(rng() % 100)});
  }
  for (int64_t lateness : {int64_t{0}, int64_t{400}}) {
    auto run = [&](bool pre, bool sessions) {
      auto env = StreamExecutionEnvironment::get_execution_environment();
      env->set_parallelism(GetParam());
      env->configure("pipeline.auto-watermark-interval", "0");
      auto out = sessions ? windowed_sums(*env, in, 100, EventTimeSessionWindows::with_gap(60), pre, lateness)
                          : windowed_sums(*env, in, 100, TumblingEventTimeWindows::of(250), pre, lateness);
      env->execute("late elements");
      return sorted(out->values());
    };
    for (bool sessions : {false, true}) {
      auto want = run(false, sessions);
      ASSERT_FALSE(want.empty());
      EXPECT_EQ(run(true, sessions), want)
          << (sessions ? "sessions" : "tumbling") << ", lateness " << lateness;
    }
    // The input has late elements: without them the results differ.
    EXPECT_NE(sorted(session_reference(in, 60)), run(false, true)) << "no element was late";
  }
}

struct CountEach final : AggregateFunction<PaEv, int64_t, int64_t> {
  int64_t create_accumulator() override { return 0; }
  int64_t add(const PaEv&, int64_t acc) override { return acc + 1; }
  int64_t get_result(const int64_t& acc) override { return acc; }
  int64_t merge(int64_t a, int64_t b) override { return a + b; }
};

//! Fires a processing-time window at its end and at the end of input (as Nexmark's q12); written with a
//! templated on_element, so that it runs on pre-aggregated windows.
struct AtEndOrEndOfInput {
  template <typename T>
  TriggerResult on_element(const T&, Timestamp, const TimeWindow& w, TriggerContext& ctx) const {
    ctx.register_processing_time_timer(w.max_timestamp());
    ctx.register_event_time_timer(kMaxTimestamp);
    return TriggerResult::kContinue;
  }
  TriggerResult on_event_time(Timestamp, const TimeWindow&, TriggerContext&) const {
    return TriggerResult::kFireAndPurge;
  }
  TriggerResult on_processing_time(Timestamp, const TimeWindow&, TriggerContext&) const {
    return TriggerResult::kFire;
  }
  bool can_merge() const { return false; }
  void on_merge(const TimeWindow&, OnMergeContext&) const {}
  void clear(const TimeWindow& w, TriggerContext& ctx) const {
    ctx.delete_processing_time_timer(w.max_timestamp());
    ctx.delete_event_time_timer(kMaxTimestamp);
  }
  bool acts_on_first_element_only() const { return true; }
};

class KeyCount final
    : public ProcessWindowFunction<int64_t, std::pair<int64_t, int64_t>, int64_t, TimeWindow> {
 public:
  void process(const int64_t& key, Context&, const std::vector<int64_t>& v,
               Collector<std::pair<int64_t, int64_t>>& out) override {
    out.collect({key, v[0]});
  }
};

TEST_P(PreAggregation, ProcessingTimeWindowsCountEveryElementOnce) {
  const auto in = events(20000, 0, 5);
  std::map<int64_t, int64_t> want;
  for (const auto& e : in) ++want[e.key];
  for (auto hold : {PreAggregateHold::kAuto, PreAggregateHold::kUntilWatermark}) {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(GetParam());
    // Windows of 20 ms: many end while partials wait, and those partials move to the current window.
    auto src = env->from_collection(in);
    auto out = src.key_by([](const PaEv& e) { return e.key; })
                   .window(TumblingProcessingTimeWindows::of(20))
                   .trigger(AtEndOrEndOfInput{})
                   .pre_aggregate(64, hold)
                   .aggregate(CountEach(), KeyCount())
                   .collect();
    env->execute("processing time");
    // Whatever windows the elements fell in, every element is counted once, under its key.
    std::map<int64_t, int64_t> got;
    for (const auto& [key, n] : out->values()) got[key] += n;
    EXPECT_EQ(got, want) << (hold == PreAggregateHold::kAuto ? "per batch" : "until the watermark");
  }
}

INSTANTIATE_TEST_SUITE_P(Parallelism, PreAggregation, ::testing::Values(1, 4));

constexpr int64_t kRecords = 30'000;
PaEv record(int64_t i) {
  // The hot key 0 makes one long session; each other key's elements are further apart than the gap.
  return {i % 2 == 0 ? 0 : 1 + i % 13, i * 3 - (i % 5) * 7, i % 97};
}

std::shared_ptr<CollectedResults<PaResult>> build_sessions_job(StreamExecutionEnvironment& env,
                                                               bool pre_aggregate = true) {
  auto src = env.from_generator<PaEv>(record, kRecords, 20'000);
  src.uid("events");
  src.set_parallelism(1);
  auto stamped = src.assign_timestamps_and_watermarks(
      WatermarkStrategy<PaEv>::for_bounded_out_of_orderness(40).with_timestamp_assigner(
          [](const PaEv& e, Timestamp) { return e.ts; }));
  stamped.uid("stamps");
  stamped.set_parallelism(1);
  auto ws = stamped.key_by([](const PaEv& e) { return e.key; }).window(EventTimeSessionWindows::with_gap(50));
  if (pre_aggregate) ws.pre_aggregate();
  auto sessions = ws.aggregate(SumCount(), Label(), "session sums");
  sessions.uid("session-sums");
  return sessions.collect();
}

struct Run {
  int parallelism;
  bool pre_aggregate;
};

//! Runs the sessions job three times, each resuming from a savepoint the run before stopped with, and
//! expects the uninterrupted run's sessions: a session fired after a savepoint's barrier and before the job
//! stopped fires again after the restore with the same contents; none may be missing or have other contents.
void expect_uninterrupted_sessions(const std::vector<Run>& runs) {
  TempDir dir;
  std::vector<PaResult> all;
  std::string savepoint;
  int64_t stop_at[] = {100, 400};
  for (size_t run = 0; run < runs.size(); ++run) {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(runs[run].parallelism);
    if (!savepoint.empty()) env->configure("execution.savepoint.path", savepoint);
    auto out = build_sessions_job(*env, runs[run].pre_aggregate);
    auto client = env->execute_async("sessions run " + std::to_string(run));
    if (run + 1 < runs.size()) {
      ASSERT_TRUE(testing::eventually([&] { return static_cast<int64_t>(out->size()) >= stop_at[run]; }));
      savepoint = client.stop_with_savepoint((dir.path / ("sp-" + std::to_string(run))).string()).get();
    }
    client.get_job_execution_result();
    for (const auto& r : out->values()) all.push_back(r);
  }
  std::vector<PaEv> input;
  for (int64_t i = 0; i < kRecords; ++i) input.push_back(record(i));
  std::set<PaResult> got(all.begin(), all.end());
  EXPECT_EQ(std::vector<PaResult>(got.begin(), got.end()), sorted(session_reference(input, 50)));
}

// Savepoints move between the job with pre-aggregation and the job without it, both ways: the window
// operator keeps its id and the local operator has no state.
TEST(PreAggregationSavepoints, WithWithoutWithGivesTheUninterruptedSessions) {
  expect_uninterrupted_sessions({{2, true}, {2, false}, {2, true}});
}

TEST(PreAggregationSavepoints, StopAndResumeOneThreeTwoGivesTheUninterruptedSessions) {
  expect_uninterrupted_sessions({{1, true}, {3, true}, {2, true}});
}

TEST(PreAggregationGraph, TheWindowOperatorKeepsItsIdAndTheLocalOneIsNamedAfterIt) {
  auto ids = [](bool pre) {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    windowed_sums(*env, {{1, 1, 1}}, 10, TumblingEventTimeWindows::of(100), pre);
    std::vector<std::string> out;
    for (const auto& n : env->stream_graph().nodes()) out.push_back(graph::operator_id_of(n));
    return out;
  };
  auto without = ids(false);
  auto with = ids(true);
  ASSERT_EQ(with.size(), without.size() + 1);
  // source, timestamps, [local], window, sink
  std::vector<std::string> want = without;
  want.insert(want.begin() + 2, without[2] + "-pre-aggregation");
  EXPECT_EQ(with, want);
}

class Reads final : public Trigger<PaEv, TimeWindow> {
 public:
  TriggerResult on_element(const PaEv&, Timestamp, const TimeWindow&, TriggerContext&) override {
    return TriggerResult::kContinue;
  }
  TriggerResult on_event_time(Timestamp, const TimeWindow&, TriggerContext&) override {
    return TriggerResult::kFire;
  }
  TriggerResult on_processing_time(Timestamp, const TimeWindow&, TriggerContext&) override {
    return TriggerResult::kContinue;
  }
  void clear(const TimeWindow&, TriggerContext&) override {}
};

TEST(PreAggregationDefinition, WhatItCannotDoIsRefusedNamingTheProblem) {
  auto expect_refused = [](auto define, const std::string& needle) {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    auto keyed =
        env->from_collection(std::vector<PaEv>{{1, 1, 1}}).key_by([](const PaEv& e) { return e.key; });
    try {
      define(keyed);
      ADD_FAILURE() << "accepted; expected an error with: " << needle;
    } catch (const JobDefinitionError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_refused(
      [](auto& k) {
        k.window(TumblingEventTimeWindows::of(10))
            .pre_aggregate()
            .evictor(CountEvictor::of(2))
            .aggregate(SumCount());
      },
      "evictor");
  expect_refused(
      [](auto& k) {
        OutputTag<PaEv> late("late");
        k.window(TumblingEventTimeWindows::of(10))
            .pre_aggregate()
            .side_output_late_data(late)
            .aggregate(SumCount());
      },
      "side_output_late_data");
  expect_refused(
      [](auto& k) {
        k.window(TumblingEventTimeWindows::of(10))
            .trigger(CountTrigger::of(3))
            .pre_aggregate()
            .aggregate(SumCount());
      },
      "first element only");
  expect_refused(
      [](auto& k) {
        k.window(TumblingEventTimeWindows::of(10)).trigger(Reads{}).pre_aggregate().aggregate(SumCount());
      },
      "does not read elements");
  expect_refused(
      [](auto& k) {
        k.window(SlidingProcessingTimeWindows::of(10, 5)).pre_aggregate().aggregate(SumCount());
      },
      "processing time on tumbling windows only");
  expect_refused([](auto& k) { k.window(GlobalWindows::create()).pre_aggregate().aggregate(SumCount()); },
                 "time windows");
  expect_refused(
      [](auto& k) {
        k.window(TumblingEventTimeWindows::of(10)).pre_aggregate().reduce([](const PaEv& a, const PaEv&) {
          return a;
        });
      },
      "not to reduce()");
  expect_refused([](auto& k) { k.window(TumblingEventTimeWindows::of(10)).pre_aggregate(0); }, "max_entries");
}

}  // namespace
}  // namespace weir
