#pragma once
// The Prometheus text of a TaskManager's /metrics: its slots and running tasks, and per task attempt
// (running or recently ended) records in and out, time backpressured, bytes read to restore and state.
//
// Threading: a pure function of its arguments.
#include <string>
#include <vector>

#include "weir/cluster/taskmanager/task.h"

namespace weir::cluster::rest {

//! weir_taskmanager_slots, weir_taskmanager_running_tasks (gauges), then per task attempt
//! weir_taskmanager_task_records_in_total, weir_taskmanager_task_records_out_total,
//! weir_taskmanager_task_backpressured_seconds_total (counters), weir_taskmanager_task_restored_bytes and
//! weir_taskmanager_task_restored_local_bytes (gauges: from the checkpoint storage, from local copies) and
//! weir_taskmanager_task_state (1, its state as a label); each task series is labeled job_id, task,
//! subtask and attempt.
std::string task_manager_metrics(int slots, size_t running_tasks, const std::vector<TaskMetrics>& tasks);

}  // namespace weir::cluster::rest
