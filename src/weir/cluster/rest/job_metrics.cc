#include "weir/cluster/rest/job_metrics.h"

#include <vector>

#include <fmt/format.h>

namespace weir::cluster::rest {

namespace {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string label_value(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"')
      out += {'\\', c};
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

JobCounts count_jobs(const Dispatcher& dispatcher) {
  JobCounts c;
  for (const auto& j : dispatcher.list_jobs()) {
    switch (j.status) {
      case JobStatus::kFinished:
        ++c.finished;
        break;
      case JobStatus::kCanceled:
        ++c.canceled;
        break;
      case JobStatus::kFailed:
        ++c.failed;
        break;
      default:
        ++c.running;
    }
  }
  return c;
}

std::string job_metrics(const Dispatcher& dispatcher) {
  struct Row {
    std::string labels;
    std::string status;
    int restarts = 0;
    CheckpointStats stats;
  };
  std::vector<Row> rows;
  for (const auto& j : dispatcher.list_jobs()) {
    auto jm = dispatcher.job(j.id);
    if (!jm) continue;
    rows.push_back(Row{fmt::format("job_id=\"{}\",job_name=\"{}\"", j.id.to_string(), label_value(j.name)),
                       to_string(jm->status()), jm->attempt(), jm->checkpoint_stats()});
  }
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help, auto value_of) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const auto& r : rows) out += value_of(name, r);
  };
  family("weir_job_status", "gauge", "1 for each job, with its state (RUNNING, FINISHED, ...) as a label.",
         [](const char* name, const Row& r) {
           return fmt::format("{}{{{},status=\"{}\"}} 1\n", name, r.labels, r.status);
         });
  family("weir_job_restarts_total", "counter", "Restarts of the job (full or region failover).",
         [](const char* name, const Row& r) {
           return fmt::format("{}{{{}}} {}\n", name, r.labels, r.restarts);
         });
  family("weir_job_checkpoints_completed_total", "counter",
         "Completed checkpoints and savepoints of the job.", [](const char* name, const Row& r) {
           return fmt::format("{}{{{}}} {}\n", name, r.labels, r.stats.completed);
         });
  family("weir_job_checkpoints_failed_total", "counter", "Failed checkpoints and savepoints of the job.",
         [](const char* name, const Row& r) {
           return fmt::format("{}{{{}}} {}\n", name, r.labels, r.stats.failed);
         });
  family("weir_job_last_checkpoint_duration_seconds", "gauge",
         "End-to-end duration of the job's latest completed checkpoint (0 before the first).",
         [](const char* name, const Row& r) {
           double s = r.stats.latest ? static_cast<double>(r.stats.latest->duration_ms) / 1000.0 : 0.0;
           return fmt::format("{}{{{}}} {}\n", name, r.labels, s);
         });
  family("weir_job_last_checkpoint_size_bytes", "gauge",
         "State size of the job's latest completed checkpoint (0 before the first).",
         [](const char* name, const Row& r) {
           return fmt::format("{}{{{}}} {}\n", name, r.labels,
                              r.stats.latest ? r.stats.latest->state_size : 0);
         });
  return out;
}

}  // namespace weir::cluster::rest
