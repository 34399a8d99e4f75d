#include "weir/cluster/rest/task_manager_metrics.h"

#include <fmt/format.h>

namespace weir::cluster::rest {

namespace {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string escape_label(const std::string& s) {
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

std::string task_manager_metrics(int slots, size_t running_tasks, const std::vector<TaskMetrics>& tasks) {
  std::string out;
  out += "# HELP weir_taskmanager_slots Task slots this TaskManager offers.\n";
  out += "# TYPE weir_taskmanager_slots gauge\n";
  out += fmt::format("weir_taskmanager_slots {}\n", slots);
  out += "# HELP weir_taskmanager_running_tasks Task attempts deployed here that have not ended.\n";
  out += "# TYPE weir_taskmanager_running_tasks gauge\n";
  out += fmt::format("weir_taskmanager_running_tasks {}\n", running_tasks);

  std::vector<std::string> labels;
  labels.reserve(tasks.size());
  for (const auto& t : tasks)
    labels.push_back(fmt::format("job_id=\"{}\",task=\"{}\",subtask=\"{}\",attempt=\"{}\"",
                                 escape_label(t.job), escape_label(t.vertex), t.subtask, t.attempt));
  auto family = [&](const char* name, const char* type, const char* help, auto value_of) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (size_t i = 0; i < tasks.size(); ++i) out += value_of(name, labels[i], tasks[i]);
  };
  family("weir_taskmanager_task_records_in_total", "counter",
         "Records the task read from its input gates (0 for sources).",
         [](const char* name, const std::string& l, const TaskMetrics& t) {
           return fmt::format("{}{{{}}} {}\n", name, l, t.records_in);
         });
  family("weir_taskmanager_task_records_out_total", "counter",
         "Records the task wrote to its result partitions (once per partition; 0 for sinks).",
         [](const char* name, const std::string& l, const TaskMetrics& t) {
           return fmt::format("{}{{{}}} {}\n", name, l, t.records_out);
         });
  family("weir_taskmanager_task_backpressured_seconds_total", "counter",
         "Time the task waited for output buffers (backpressure).",
         [](const char* name, const std::string& l, const TaskMetrics& t) {
           return fmt::format("{}{{{}}} {}\n", name, l, static_cast<double>(t.output_wait_ns) / 1e9);
         });
  family("weir_taskmanager_task_restored_bytes", "gauge",
         "Bytes the task read from a checkpoint or savepoint to restore its state (0: a fresh start).",
         [](const char* name, const std::string& l, const TaskMetrics& t) {
           return fmt::format("{}{{{}}} {}\n", name, l, t.restored_bytes);
         });
  family("weir_taskmanager_task_restored_local_bytes", "gauge",
         "Bytes the task read from its TaskManager's local copies to restore its state (local recovery).",
         [](const char* name, const std::string& l, const TaskMetrics& t) {
           return fmt::format("{}{{{}}} {}\n", name, l, t.restored_bytes_local);
         });
  family("weir_taskmanager_task_state", "gauge",
         "1 for each task attempt, with its state (RUNNING, FINISHED, ...) as a label.",
         [](const char* name, const std::string& l, const TaskMetrics& t) {
           return fmt::format("{}{{{},state=\"{}\"}} 1\n", name, l, to_string(t.state));
         });
  return out;
}

}  // namespace weir::cluster::rest
