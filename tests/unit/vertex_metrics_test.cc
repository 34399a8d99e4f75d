// The metric views behind the web UI, over hand-made samples: totals are the newest sample's; rates are
// over the samples of the last 5 s and only between samples of the same attempt (a restart starts them
// again); the backpressured ratio is the slowest subtask's; the watermark is the minimum over the
// subtasks and null while one has none; unmeasured subtasks leave the numbers null; busy time is what
// idle and backpressured time leave of each second.
#include <climits>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "weir/cluster/rest/vertex_metrics.h"

namespace weir::cluster::rest {
namespace {

SubtaskSample sub(int attempt, int64_t in, int64_t out, int64_t wait_ns = 0, int64_t watermark = INT64_MIN,
                  int64_t idle_ns = 0) {
  return SubtaskSample{attempt, TaskCounters{in, out, wait_ns, watermark, idle_ns}};
}

SubtaskSample unmeasured() {
  return SubtaskSample{0, std::nullopt};
}

MetricSample at(int64_t time_ms, std::vector<SubtaskSample> vertex0) {
  return MetricSample{time_ms, {std::move(vertex0)}};
}

TEST(VertexMetrics, RatesOverTheWindowAndTotalsOfTheNewestSample) {
  std::vector<MetricSample> samples{at(1000, {sub(0, 0, 0)}), at(2000, {sub(0, 500, 1000)}),
                                    at(3000, {sub(0, 1000, 3000, 500'000'000)})};
  auto m = vertex_metrics_json(samples, 0);
  EXPECT_EQ(m["read-records"], 1000);
  EXPECT_EQ(m["write-records"], 3000);
  EXPECT_EQ(m["measured"], true);
  EXPECT_DOUBLE_EQ(m["read-records-per-second"].get<double>(), 500.0);    // 1000 records in 2 s
  EXPECT_DOUBLE_EQ(m["write-records-per-second"].get<double>(), 1500.0);  // 3000 records in 2 s
  EXPECT_DOUBLE_EQ(m["backpressured-ratio"].get<double>(), 0.25);         // 0.5 s waited in 2 s
  EXPECT_EQ(m["backpressure-level"], "low");
  EXPECT_TRUE(m["watermark"].is_null());
}

TEST(VertexMetrics, BusyIdleAndBackpressuredTimePerSecond) {
  // Over 2 s: subtask 0 idled 1 s and waited for output 0.5 s (busy 250 ms/s); subtask 1 idled 1.8 s.
  std::vector<MetricSample> samples{at(1000, {sub(0, 0, 0), sub(0, 0, 0)}),
                                    at(3000, {sub(0, 0, 0, 500'000'000, INT64_MIN, 1'000'000'000),
                                              sub(0, 0, 0, 0, INT64_MIN, 1'800'000'000)})};
  auto m = vertex_metrics_json(samples, 0);
  EXPECT_EQ(m["busy-time-ms-per-second"], 250);           // the busiest subtask
  EXPECT_EQ(m["backpressured-time-ms-per-second"], 250);  // the most backpressured one
  EXPECT_EQ(m["idle-time-ms-per-second"], 500);           // the least idle one
  // A wait in progress longer than the window never makes busy time negative.
  std::vector<MetricSample> idle{at(1000, {sub(0, 0, 0)}),
                                 at(2000, {sub(0, 0, 0, 0, INT64_MIN, 1'200'000'000)})};
  auto i = vertex_metrics_json(idle, 0);
  EXPECT_EQ(i["busy-time-ms-per-second"], 0);
  EXPECT_EQ(i["idle-time-ms-per-second"], 1000);
  // Before two samples there is nothing to say.
  EXPECT_TRUE(vertex_metrics_json({samples.front()}, 0)["busy-time-ms-per-second"].is_null());
}

TEST(VertexMetrics, OnlySamplesOfTheLastFiveSecondsCount) {
  std::vector<MetricSample> samples{at(0, {sub(0, 0, 0)}), at(10'000, {sub(0, 0, 100'000)}),
                                    at(11'000, {sub(0, 0, 101'000)})};
  EXPECT_DOUBLE_EQ(vertex_metrics_json(samples, 0)["write-records-per-second"].get<double>(), 1000.0);
}

TEST(VertexMetrics, ARestartStartsRatesAgain) {
  // Subtask 0 restarted (attempt 0 -> 1, counters from zero); subtask 1 kept running.
  std::vector<MetricSample> samples{at(1000, {sub(0, 0, 50'000), sub(0, 0, 1000)}),
                                    at(2000, {sub(1, 0, 10), sub(0, 0, 3000)})};
  auto m = vertex_metrics_json(samples, 0);
  EXPECT_EQ(m["write-records"], 3010);                                    // the current attempts' totals
  EXPECT_DOUBLE_EQ(m["write-records-per-second"].get<double>(), 2000.0);  // subtask 1 only, never negative
}

TEST(VertexMetrics, WatermarkIsTheMinimumAndNullWhileASubtaskHasNone) {
  std::vector<MetricSample> both{at(1000, {sub(0, 1, 0, 0, 5000), sub(0, 1, 0, 0, 4000)})};
  EXPECT_EQ(vertex_metrics_json(both, 0)["watermark"], 4000);
  std::vector<MetricSample> one{at(1000, {sub(0, 1, 0, 0, 5000), sub(0, 1, 0)})};
  EXPECT_TRUE(vertex_metrics_json(one, 0)["watermark"].is_null());
  auto marks = watermarks_json(one, 0);
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0]["id"], "0.currentInputWatermark");
  EXPECT_EQ(marks[0]["value"], "5000");
}

TEST(VertexMetrics, NoRateBeforeTwoSamplesAndNothingWhenUnmeasured) {
  std::vector<MetricSample> first{at(1000, {sub(0, 7, 9)})};
  auto m = vertex_metrics_json(first, 0);
  EXPECT_EQ(m["write-records"], 9);
  EXPECT_TRUE(m["write-records-per-second"].is_null());
  EXPECT_TRUE(m["backpressure-level"].is_null());

  std::vector<MetricSample> gone{at(1000, {unmeasured()}), at(2000, {unmeasured()})};
  auto g = vertex_metrics_json(gone, 0);
  EXPECT_EQ(g["measured"], false);
  EXPECT_EQ(g["write-records"], 0);
  EXPECT_TRUE(g["write-records-per-second"].is_null());
  EXPECT_TRUE(vertex_metrics_json({}, 0)["read-records-per-second"].is_null());
}

}  // namespace
}  // namespace weir::cluster::rest
