#include "weir/cluster/rest/backpressure.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "weir/cluster/rest/rest_request.h"
#include "weir/cluster/rest/vertex_metrics.h"
#include "weir/common/time.h"

namespace weir::cluster::rest {

using Json = nlohmann::json;

const char* backpressure_level(double ratio) {
  if (ratio <= 0.10) return "ok";
  if (ratio <= 0.5) return "low";
  return "high";
}

Json backpressure_json(const JobMaster& job, const std::string& vertex_id,
                       std::chrono::milliseconds interval) {
  int vertex = parse_vertex_id(job, vertex_id);
  auto t0 = std::chrono::steady_clock::now();
  auto before = job.output_wait_ns(vertex);
  std::this_thread::sleep_for(interval);
  auto after = job.output_wait_ns(vertex);
  int64_t elapsed_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  ExecutionGraph eg = job.snapshot();
  const auto& subs = eg.vertices().at(vertex);
  Json subtasks = Json::array();
  double worst = 0;
  int measured = 0;
  for (size_t i = 0; i < subs.size(); ++i) {
    Json s{{"subtask", subs[i].subtask}, {"attempt-number", subs[i].attempt}};
    bool ok = i < before.size() && i < after.size() && before[i] && after[i] && *after[i] >= *before[i];
    if (ok) {
      double ratio =
          std::clamp(static_cast<double>(*after[i] - *before[i]) / static_cast<double>(elapsed_ns), 0.0, 1.0);
      worst = std::max(worst, ratio);
      ++measured;
      s["backpressureLevel"] = backpressure_level(ratio);
      s["ratio"] = ratio;
    } else {
      s["backpressureLevel"] = nullptr;
      s["ratio"] = nullptr;
      s["reason"] = fmt::format(
          "not measured: the subtask is {} or its TaskManager does not report output-buffer waits",
          to_string(subs[i].state));
    }
    subtasks.push_back(std::move(s));
  }
  Json out{{"end-timestamp", SystemClock::shared()->now_ms()}, {"subtasks", subtasks}};
  if (measured > 0) {
    out["status"] = "ok";
    out["backpressureLevel"] = backpressure_level(worst);
  } else {
    out["status"] = "unavailable";
    out["backpressureLevel"] = nullptr;
    out["reason"] =
        "no subtask of this vertex was measured: none is running on a TaskManager that reports "
        "output-buffer waits";
  }
  return out;
}

}  // namespace weir::cluster::rest
