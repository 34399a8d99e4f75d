// Sliding event-time aggregations (SlidingAggregateOperator: default trigger, no allowed lateness,
// integral keys) against plain-loop references: out-of-order and late input with the late-data side
// output at parallelism 1 and 4, and a savepoint round trip mid-stream (stop, resume at another
// parallelism, twice) that must give the uninterrupted run's windows, none fired twice with other
// contents.
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

struct SaEv {
  int64_t key = 0;
  int64_t ts = 0;
  int64_t value = 0;
  auto operator<=>(const SaEv&) const = default;
};
WEIR_STRUCT(SaEv, key, ts, value)

struct SaResult {
  int64_t key = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t sum = 0;
  int64_t count = 0;
  auto operator<=>(const SaResult&) const = default;
};
WEIR_STRUCT(SaResult, key, start, end, sum, count)

namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using Acc = std::pair<int64_t, int64_t>;

struct SumCountAgg final : AggregateFunction<SaEv, Acc, Acc> {
  Acc create_accumulator() override { return {0, 0}; }
  Acc add(const SaEv& e, Acc acc) override { return {acc.first + e.value, acc.second + 1}; }
  Acc get_result(const Acc& acc) override { return acc; }
  Acc merge(Acc a, Acc b) override { return {a.first + b.first, a.second + b.second}; }
};

class Label final : public ProcessWindowFunction<Acc, SaResult, int64_t, TimeWindow> {
 public:
  void process(const int64_t& key, Context& ctx, const std::vector<Acc>& v,
               Collector<SaResult>& out) override {
    EXPECT_EQ(v.size(), 1u);
    out.collect({key, ctx.window().start, ctx.window().end, v[0].first, v[0].second});
  }
};

template <typename T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

//! Windows [s, s + size) with s = offset + k * slide that contain t.
std::vector<std::pair<int64_t, int64_t>> sliding_windows_of(int64_t t, int64_t size, int64_t slide,
                                                            int64_t offset) {
  std::vector<std::pair<int64_t, int64_t>> w;
  int64_t last = t - (((t - offset) % slide) + slide) % slide;
  for (int64_t s = last; s > t - size; s -= slide) w.push_back({s, s + size});
  return w;
}

//! Event time with the default trigger and no lateness: record i sees the watermark
//! max(ts before i) - bound - 1; a window fires once when the watermark passes its end - 1.
struct Reference {
  std::vector<SaResult> fired;
  std::vector<SaEv> late;
};
Reference reference(const std::vector<SaEv>& in, int64_t bound, int64_t size, int64_t slide, int64_t offset) {
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<int64_t, int64_t>> open;  // (end, key, start)
  Reference r;
  Timestamp wm = kMinTimestamp, max_ts = kMinTimestamp;
  auto advance = [&](Timestamp to) {
    wm = to;
    while (!open.empty() && std::get<0>(open.begin()->first) - 1 <= wm) {
      auto [end, key, start] = open.begin()->first;
      r.fired.push_back({key, start, end, open.begin()->second.first, open.begin()->second.second});
      open.erase(open.begin());
    }
  };
  for (const auto& e : in) {
    bool taken = false;
    for (auto [start, end] : sliding_windows_of(e.ts, size, slide, offset)) {
      if (end - 1 <= wm) continue;
      taken = true;
      auto& w = open[{end, e.key, start}];
      w.first += e.value;
      w.second += 1;
    }
    if (!taken) r.late.push_back(e);
    max_ts = std::max(max_ts, e.ts);
    if (max_ts - bound - 1 > wm) advance(max_ts - bound - 1);
  }
  advance(kMaxTimestamp - 1);
  return r;
}

class SlidingAggregate : public ::testing::TestWithParam<int> {};

TEST_P(SlidingAggregate, OutOfOrderAndLateInputMatchesTheReference) {
  constexpr int64_t kBound = 100;
  std::mt19937_64 rng(7);
  std::vector<SaEv> input;
  for (int i = 0; i < 3000; ++i) {
    int64_t ts = i * 10 + static_cast<int64_t>(rng() % 200) - 150;
    if (i % 37 == 36) ts -= 1000 + static_cast<int64_t>(rng() % 500);  // far behind: late
    input.push_back({static_cast<int64_t>(rng() % 25), ts, static_cast<int64_t>(rng() % 100)});
  }
  for (auto [size, slide, offset] : {std::tuple<int64_t, int64_t, int64_t>{200, 50, 10}, {300, 100, 0}}) {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(GetParam());
    env->configure("pipeline.auto-watermark-interval", "0");
    auto src = env->from_collection(input).assign_timestamps_and_watermarks(
        WatermarkStrategy<SaEv>::for_bounded_out_of_orderness(kBound).with_timestamp_assigner(
            [](const SaEv& e, Timestamp) { return e.ts; }));
    src.set_parallelism(1);
    OutputTag<SaEv> late_tag("late");
    auto windowed = src.key_by([](const SaEv& e) { return e.key; })
                        .window(SlidingEventTimeWindows::of(size, slide, offset))
                        .side_output_late_data(late_tag)
                        .aggregate(SumCountAgg(), Label());
    auto late = windowed.get_side_output(late_tag).collect();
    auto out = windowed.collect();
    // The aggregate without a window function emits the accumulators themselves.
    auto plain = src.key_by([](const SaEv& e) { return e.key; })
                     .window(SlidingEventTimeWindows::of(size, slide, offset))
                     .aggregate(SumCountAgg())
                     .collect();
    env->execute("sliding aggregate");
    Reference want = reference(input, kBound, size, slide, offset);
    ASSERT_FALSE(want.late.empty());
    EXPECT_EQ(sorted(out->values()), sorted(want.fired)) << "size " << size;
    EXPECT_EQ(sorted(late->values()), sorted(want.late)) << "size " << size;
    std::vector<Acc> want_plain;
    for (const auto& r : want.fired) want_plain.push_back({r.sum, r.count});
    EXPECT_EQ(sorted(plain->values()), sorted(want_plain)) << "size " << size;
    // Results carry the window's max timestamp.
    const auto ts = out->timestamps();
    const auto vals = out->values();
    ASSERT_EQ(ts.size(), vals.size());
    for (size_t i = 0; i < vals.size(); ++i) EXPECT_EQ(ts[i], vals[i].end - 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Parallelism, SlidingAggregate, ::testing::Values(1, 4));

constexpr int64_t kRecords = 30'000;
constexpr int64_t kSpBound = 40;
SaEv record(int64_t i) {
  return {i % 11, i * 3 - (i % 5) * 7, i % 97};
}

std::shared_ptr<CollectedResults<SaResult>> build_rescale_job(StreamExecutionEnvironment& env) {
  env.configure("pipeline.auto-watermark-interval", "0");
  auto src = env.from_generator<SaEv>(record, kRecords, 20'000);
  src.uid("events");
  src.set_parallelism(1);
  auto stamped = src.assign_timestamps_and_watermarks(
      WatermarkStrategy<SaEv>::for_bounded_out_of_orderness(kSpBound).with_timestamp_assigner(
          [](const SaEv& e, Timestamp) { return e.ts; }));
  stamped.uid("stamps");
  stamped.set_parallelism(1);
  auto windows = stamped.key_by([](const SaEv& e) { return e.key; })
                     .window(SlidingEventTimeWindows::of(300, 60))
                     .aggregate(SumCountAgg(), Label(), "sliding sums");
  windows.uid("sliding-sums");
  return windows.collect();
}

TEST(SlidingAggregateSavepoints, StopAndResumeOneThreeTwoGivesTheUninterruptedWindows) {
  TempDir dir;
  std::vector<SaResult> all;
  std::string savepoint;
  int parallelisms[] = {1, 3, 2};
  int64_t stop_at[] = {300, 900};
  for (int run = 0; run < 3; ++run) {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(parallelisms[run]);
    if (!savepoint.empty()) env->configure("execution.savepoint.path", savepoint);
    auto out = build_rescale_job(*env);
    auto client = env->execute_async("sliding run " + std::to_string(run));
    if (run < 2) {
      ASSERT_TRUE(testing::eventually([&] { return static_cast<int64_t>(out->size()) >= stop_at[run]; }));
      savepoint = client.stop_with_savepoint((dir.path / ("sp-" + std::to_string(run))).string()).get();
    }
    client.get_job_execution_result();
    for (const auto& r : out->values()) all.push_back(r);
  }
  std::vector<SaEv> input;
  for (int64_t i = 0; i < kRecords; ++i) input.push_back(record(i));
  Reference want = reference(input, kSpBound, 300, 60, 0);
  ASSERT_TRUE(want.late.empty());
  // A window fired after a savepoint's barrier and before the job stopped fires again after the
  // restore, with the same contents; no window may come out with other contents (fired twice from
  // partial panes) or be missing.
  std::set<SaResult> got(all.begin(), all.end());
  std::map<std::tuple<int64_t, int64_t, int64_t>, int> per_window;
  for (const auto& r : got) ++per_window[{r.key, r.start, r.end}];
  for (const auto& [w, n] : per_window)
    EXPECT_EQ(n, 1) << "window of key " << std::get<0>(w) << " at " << std::get<1>(w);
  EXPECT_EQ(std::vector<SaResult>(got.begin(), got.end()), sorted(want.fired));
}

}  // namespace
}  // namespace weir
