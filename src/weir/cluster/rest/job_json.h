#pragma once
// JSON views of one job for the REST API, in Flink's shapes (docs/rest.md has examples): the list
// entry, the details with vertices and per-subtask states, the exception history, the plan, and
// the checkpoint statistics.
//
// Threading: each function takes consistent copies from the JobMaster (its accessors lock), so any
// thread may call them while the job runs.
#include <nlohmann/json.hpp>

#include "weir/cluster/jobmanager/job_master.h"

namespace weir::cluster::rest {

//! `/jobs/overview` entry: jid, name, state, start-time, end-time (-1 while running), duration,
//! last-modification and per-state task counts.
nlohmann::json job_overview_json(const JobMaster& job);
//! `/jobs/:jobid`: the overview fields plus restarts, maxParallelism, now, status-counts and the
//! vertices, each with its aggregate status, task counts and `subtasks` (state, attempt, host).
nlohmann::json job_details_json(const JobMaster& job);
//! `/jobs/:jobid/exceptions`: the root exception (why the job failed, else the latest failure) and
//! the history, newest first, at most `max` entries (`truncated` says when more exist).
nlohmann::json exceptions_json(const JobMaster& job, size_t max);
//! `/jobs/:jobid/plan`: vertices as nodes with their inputs and ship strategies.
nlohmann::json plan_json(const JobMaster& job);
//! `/jobs/:jobid/checkpoints`: counts, summary, latest completed/savepoint/failed/restored, history.
nlohmann::json checkpoints_json(const JobMaster& job);
//! `/jobs/:jobid/config` (Flink's shape): jid, name and `execution-config` with `job-parallelism` (the
//! highest vertex parallelism) and `user-config`, every configuration key the job was submitted with.
nlohmann::json job_config_json(const JobMaster& job);
//! `/jobs/:jobid/checkpoints/details/:checkpointid`: a retained checkpoint, the latest savepoint or the
//! latest failure with that id, in the history's shape; RestError 400 when `id_text` is not a number,
//! 404 when the job keeps no checkpoint with that id.
nlohmann::json checkpoint_details_json(const JobMaster& job, const std::string& id_text);

//! A vertex's state from its subtasks' states (Flink's aggregate: a failure or cancellation shows
//! first, then running work, FINISHED only when every subtask finished).
ExecutionState aggregate_state(const std::vector<ExecutionVertex>& subtasks);

}  // namespace weir::cluster::rest
