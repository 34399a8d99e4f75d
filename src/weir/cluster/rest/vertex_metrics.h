#pragma once
// Metric views of a job's vertices for the REST API and the web UI, from MetricHistory's samples:
// totals (Flink's `read-records`, `write-records`), rates over a window of recent samples
// (`read-records-per-second`, `write-records-per-second`), the fraction of time the subtasks waited for
// output buffers over that window (`backpressured-ratio`, Flink's backPressuredTimeMsPerSecond / 1000)
// and the input watermark (the minimum over the subtasks; null before the first one, and for sources).
// Time per second over the window, as Flink's busyTimeMsPerSecond, idleTimeMsPerSecond and
// backPressuredTimeMsPerSecond (`busy-time-ms-per-second`, `idle-time-ms-per-second`,
// `backpressured-time-ms-per-second`): idle and backpressured are measured by the task around its waits,
// busy is the rest; a vertex shows its busiest subtask's busy and backpressured time and the least idle
// one's idle time.
// Counters of a subtask whose attempt changed between two samples (a restart) start again, so rates
// only use samples of the same attempt.
//
// Threading: plain functions over copies; any thread.
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "weir/cluster/jobmanager/job_master.h"
#include "weir/cluster/rest/metric_history.h"

namespace weir::cluster::rest {

//! How far back rates look: the newest sample against the oldest one at most this old.
inline constexpr std::chrono::milliseconds kRateWindow{5000};

//! The vertex number in `text` (as /jobs/:jobid lists it): RestError 400 when malformed, 404 when the
//! job has no such vertex.
int parse_vertex_id(const JobMaster& job, const std::string& text);

//! The vertex's aggregate `metrics` object (totals over its subtasks, rates over kRateWindow).
nlohmann::json vertex_metrics_json(const std::vector<MetricSample>& samples, int vertex);

//! `/jobs/:jobid/vertices/:vertexid`: id, name, parallelism, maxParallelism, status, now, `metrics`,
//! and `subtasks` with each one's state, attempt, TaskManager and `metrics`.
nlohmann::json vertex_details_json(const JobMaster& job, const std::vector<MetricSample>& samples,
                                   int vertex);

//! `/jobs/:jobid/vertices/:vertexid/watermarks`, Flink's shape:
//! `[{"id": "<subtask>.currentInputWatermark", "value": "<ms>"}]` (only subtasks that have one).
nlohmann::json watermarks_json(const std::vector<MetricSample>& samples, int vertex);

//! `/jobs/:jobid/metrics/history`: `interval-ms`, the vertices (id, name) and per sample its time and,
//! per vertex, the rates between it and the sample before.
nlohmann::json metric_history_json(const JobMaster& job, const std::vector<MetricSample>& samples,
                                   std::chrono::milliseconds interval);

}  // namespace weir::cluster::rest
