#include "weir/cluster/rest/vertex_metrics.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "weir/cluster/rest/backpressure.h"
#include "weir/cluster/rest/job_json.h"
#include "weir/cluster/rest/rest_request.h"
#include "weir/common/time.h"

namespace weir::cluster::rest {

namespace {

using Json = nlohmann::json;

// What one subtask did between two samples (of the same attempt); `known` false when not comparable.
struct Delta {
  bool known = false;
  double seconds = 0;
  int64_t records_in = 0;
  int64_t records_out = 0;
  int64_t wait_ns = 0;
  int64_t idle_ns = 0;
};

// Flink's busyTimeMsPerSecond, idleTimeMsPerSecond and backPressuredTimeMsPerSecond of one subtask over
// a delta: idle and backpressured are measured, busy is the rest of the wall-clock time.
struct TimeSplit {
  double busy = 0, idle = 0, backpressured = 0;
};

TimeSplit time_split(const Delta& d) {
  TimeSplit t;
  t.idle = std::clamp(static_cast<double>(d.idle_ns) / (d.seconds * 1e6), 0.0, 1000.0);
  t.backpressured = std::clamp(static_cast<double>(d.wait_ns) / (d.seconds * 1e6), 0.0, 1000.0 - t.idle);
  t.busy = 1000.0 - t.idle - t.backpressured;
  return t;
}

// Over the subtasks of a vertex: the busiest one's busy and backpressured time, the least idle one's idle.
struct TimeSplitAggregate {
  bool any = false;
  TimeSplit worst{0, 1000, 0};
  void add(const TimeSplit& t) {
    any = true;
    worst.busy = std::max(worst.busy, t.busy);
    worst.idle = std::min(worst.idle, t.idle);
    worst.backpressured = std::max(worst.backpressured, t.backpressured);
  }
  void put(Json& m) const {
    m["busy-time-ms-per-second"] = any ? Json(std::round(worst.busy)) : Json(nullptr);
    m["idle-time-ms-per-second"] = any ? Json(std::round(worst.idle)) : Json(nullptr);
    m["backpressured-time-ms-per-second"] = any ? Json(std::round(worst.backpressured)) : Json(nullptr);
  }
};

Delta delta(const MetricSample& from, const MetricSample& to, int vertex, size_t subtask) {
  Delta d;
  if (static_cast<size_t>(vertex) >= from.vertices.size() ||
      static_cast<size_t>(vertex) >= to.vertices.size())
    return d;
  const auto& a = from.vertices[vertex];
  const auto& b = to.vertices[vertex];
  if (subtask >= a.size() || subtask >= b.size()) return d;
  if (!a[subtask].counters || !b[subtask].counters || a[subtask].attempt != b[subtask].attempt) return d;
  d.seconds = static_cast<double>(to.time_ms - from.time_ms) / 1000.0;
  if (d.seconds <= 0) return d;
  d.known = true;
  d.records_in = std::max<int64_t>(0, b[subtask].counters->records_in - a[subtask].counters->records_in);
  d.records_out = std::max<int64_t>(0, b[subtask].counters->records_out - a[subtask].counters->records_out);
  d.wait_ns = std::max<int64_t>(0, b[subtask].counters->output_wait_ns - a[subtask].counters->output_wait_ns);
  d.idle_ns = std::max<int64_t>(0, b[subtask].counters->idle_ns - a[subtask].counters->idle_ns);
  return d;
}

// The oldest sample within kRateWindow of the newest one (not the newest itself), or null.
const MetricSample* window_start(const std::vector<MetricSample>& samples) {
  if (samples.size() < 2) return nullptr;
  const MetricSample& last = samples.back();
  for (size_t i = 0; i + 1 < samples.size(); ++i)
    if (last.time_ms - samples[i].time_ms <= kRateWindow.count()) return &samples[i];
  return &samples[samples.size() - 2];
}

Json watermark_value(int64_t wm) {
  return wm == INT64_MIN ? Json(nullptr) : Json(wm);
}

// Metrics of one subtask, or of the whole vertex when `subtask` is -1.
Json metrics_of(const std::vector<MetricSample>& samples, int vertex, int subtask) {
  int64_t in = 0, out = 0;
  Json watermark = nullptr;
  bool measured = false;
  if (!samples.empty() && static_cast<size_t>(vertex) < samples.back().vertices.size()) {
    const auto& subs = samples.back().vertices[vertex];
    int64_t low = INT64_MAX;
    bool all_have_watermark = true;
    for (size_t i = 0; i < subs.size(); ++i) {
      if (subtask >= 0 && static_cast<size_t>(subtask) != i) continue;
      if (!subs[i].counters) {
        all_have_watermark = false;
        continue;
      }
      measured = true;
      in += subs[i].counters->records_in;
      out += subs[i].counters->records_out;
      if (subs[i].counters->input_watermark == INT64_MIN) all_have_watermark = false;
      low = std::min(low, subs[i].counters->input_watermark);
    }
    if (measured && all_have_watermark) watermark = watermark_value(low);
  }
  Json m{{"read-records", in}, {"write-records", out}, {"measured", measured}, {"watermark", watermark}};
  const MetricSample* from = window_start(samples);
  if (!from || !measured) {
    m["read-records-per-second"] = nullptr;
    m["write-records-per-second"] = nullptr;
    m["backpressured-ratio"] = nullptr;
    m["backpressure-level"] = nullptr;
    TimeSplitAggregate{}.put(m);
    return m;
  }
  double in_rate = 0, out_rate = 0, worst = 0;
  bool any = false;
  TimeSplitAggregate split;
  size_t n = samples.back().vertices[vertex].size();
  for (size_t i = 0; i < n; ++i) {
    if (subtask >= 0 && static_cast<size_t>(subtask) != i) continue;
    Delta d = delta(*from, samples.back(), vertex, i);
    if (!d.known) continue;
    any = true;
    in_rate += static_cast<double>(d.records_in) / d.seconds;
    out_rate += static_cast<double>(d.records_out) / d.seconds;
    worst = std::max(worst, std::clamp(static_cast<double>(d.wait_ns) / (d.seconds * 1e9), 0.0, 1.0));
    split.add(time_split(d));
  }
  split.put(m);
  m["read-records-per-second"] = any ? Json(in_rate) : Json(nullptr);
  m["write-records-per-second"] = any ? Json(out_rate) : Json(nullptr);
  m["backpressured-ratio"] = any ? Json(worst) : Json(nullptr);
  m["backpressure-level"] = any ? Json(backpressure_level(worst)) : Json(nullptr);
  return m;
}

}  // namespace

int parse_vertex_id(const JobMaster& job, const std::string& text) {
  size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || text.empty() || v < 0)
    throw RestError(400, fmt::format("malformed vertex id '{}': vertex ids are the numbers /jobs/{} lists",
                                     text, job.id().to_string()));
  if (v >= static_cast<long long>(job.job_graph().vertices.size()))
    throw RestError(404, fmt::format("job {} has no vertex {}", job.id().to_string(), text));
  return static_cast<int>(v);
}

Json vertex_metrics_json(const std::vector<MetricSample>& samples, int vertex) {
  return metrics_of(samples, vertex, -1);
}

Json vertex_details_json(const JobMaster& job, const std::vector<MetricSample>& samples, int vertex) {
  ExecutionGraph eg = job.snapshot();
  const auto& subs = eg.vertices().at(vertex);
  Json subtasks = Json::array();
  for (const auto& e : subs)
    subtasks.push_back(Json{{"subtask", e.subtask},
                            {"status", to_string(e.state)},
                            {"attempt", e.attempt},
                            {"taskmanager-id", e.task_manager},
                            {"metrics", metrics_of(samples, vertex, e.subtask)}});
  return Json{{"id", std::to_string(vertex)},
              {"name", eg.vertex_name(vertex)},
              {"parallelism", static_cast<int>(subs.size())},
              {"maxParallelism", job.job_graph().vertices.at(vertex).max_parallelism},
              {"status", to_string(aggregate_state(subs))},
              {"now", SystemClock::shared()->now_ms()},
              {"metrics", vertex_metrics_json(samples, vertex)},
              {"subtasks", subtasks}};
}

Json watermarks_json(const std::vector<MetricSample>& samples, int vertex) {
  Json list = Json::array();
  if (samples.empty() || static_cast<size_t>(vertex) >= samples.back().vertices.size()) return list;
  const auto& subs = samples.back().vertices[vertex];
  for (size_t i = 0; i < subs.size(); ++i)
    if (subs[i].counters && subs[i].counters->input_watermark != INT64_MIN)
      list.push_back(Json{{"id", fmt::format("{}.currentInputWatermark", i)},
                          {"value", std::to_string(subs[i].counters->input_watermark)}});
  return list;
}

Json metric_history_json(const JobMaster& job, const std::vector<MetricSample>& samples,
                         std::chrono::milliseconds interval) {
  ExecutionGraph eg = job.snapshot();
  Json vertices = Json::array();
  for (size_t v = 0; v < eg.vertices().size(); ++v)
    vertices.push_back(Json{{"id", std::to_string(v)}, {"name", eg.vertex_name(static_cast<int>(v))}});
  Json points = Json::array();
  for (size_t s = 1; s < samples.size(); ++s) {
    Json per_vertex = Json::array();
    for (size_t v = 0; v < samples[s].vertices.size(); ++v) {
      double in = 0, out = 0, worst = 0;
      bool any = false;
      TimeSplitAggregate split;
      for (size_t i = 0; i < samples[s].vertices[v].size(); ++i) {
        Delta d = delta(samples[s - 1], samples[s], static_cast<int>(v), i);
        if (!d.known) continue;
        any = true;
        in += static_cast<double>(d.records_in) / d.seconds;
        out += static_cast<double>(d.records_out) / d.seconds;
        worst = std::max(worst, std::clamp(static_cast<double>(d.wait_ns) / (d.seconds * 1e9), 0.0, 1.0));
        split.add(time_split(d));
      }
      Json point = nullptr;
      if (any) {
        point = Json{{"read-records-per-second", in},
                     {"write-records-per-second", out},
                     {"backpressured-ratio", worst}};
        split.put(point);
      }
      per_vertex.push_back(point);
    }
    points.push_back(Json{{"time", samples[s].time_ms}, {"vertices", per_vertex}});
  }
  return Json{{"interval-ms", interval.count()}, {"vertices", vertices}, {"samples", points}};
}

}  // namespace weir::cluster::rest
