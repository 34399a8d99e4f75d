#include "weir/cluster/rest/job_json.h"

#include <algorithm>

#include <fmt/format.h>

#include "weir/cluster/rest/rest_request.h"
#include "weir/common/time.h"
#include "weir/runtime/partitioner.h"

namespace weir::cluster::rest {

namespace {

using Json = nlohmann::json;

constexpr ExecutionState kAllStates[] = {ExecutionState::kCreated,   ExecutionState::kScheduled,
                                         ExecutionState::kDeploying, ExecutionState::kRunning,
                                         ExecutionState::kFinished,  ExecutionState::kCanceling,
                                         ExecutionState::kCanceled,  ExecutionState::kFailed};

Json state_counts(const ExecutionGraph& eg) {
  Json counts = Json::object();
  for (ExecutionState s : kAllStates) counts[to_string(s)] = eg.count(s);
  return counts;
}

Json state_counts(const std::vector<ExecutionVertex>& subtasks) {
  Json counts = Json::object();
  for (ExecutionState s : kAllStates)
    counts[to_string(s)] = std::count_if(subtasks.begin(), subtasks.end(),
                                         [s](const ExecutionVertex& e) { return e.state == s; });
  return counts;
}

struct Times {
  int64_t start = 0;
  int64_t end = -1;  // Flink's -1: still running
  int64_t duration = 0;
  int64_t now = 0;
};

Times times_of(const JobMaster& job) {
  Times t;
  t.now = SystemClock::shared()->now_ms();
  t.start = job.start_time_ms();
  int64_t end = job.end_time_ms();
  if (end > 0) t.end = end;
  t.duration = t.start > 0 ? (end > 0 ? end : t.now) - t.start : 0;
  return t;
}

Json completed_json(const CompletedCheckpoint& c) {
  return Json{{"@class", "completed"},
              {"id", c.id},
              {"status", "COMPLETED"},
              {"is_savepoint", c.savepoint},
              {"checkpoint_type", c.savepoint   ? "SAVEPOINT"
                                  : c.unaligned ? "UNALIGNED_CHECKPOINT"
                                                : "CHECKPOINT"},
              {"external_path", c.path},
              {"end_to_end_duration", c.duration_ms},
              {"trigger_timestamp", c.trigger_ms},
              {"latest_ack_timestamp", c.completed_ms},
              {"sync_duration", c.max_sync_ms},
              {"async_duration", c.max_async_ms},
              {"alignment_duration", c.max_alignment_ms},
              {"state_size", c.state_size},
              {"checkpointed_size", c.state_size},
              {"persisted_data", c.in_flight_bytes},
              {"unaligned", c.unaligned}};
}

template <typename F>
Json min_max_avg(const std::vector<CompletedCheckpoint>& cs, F value) {
  if (cs.empty()) return Json{{"min", 0}, {"max", 0}, {"avg", 0}};
  int64_t lo = INT64_MAX, hi = INT64_MIN, sum = 0;
  for (const auto& c : cs) {
    int64_t v = static_cast<int64_t>(value(c));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  return Json{{"min", lo}, {"max", hi}, {"avg", sum / static_cast<int64_t>(cs.size())}};
}

}  // namespace

ExecutionState aggregate_state(const std::vector<ExecutionVertex>& subtasks) {
  auto any = [&](ExecutionState s) {
    return std::any_of(subtasks.begin(), subtasks.end(),
                       [s](const ExecutionVertex& e) { return e.state == s; });
  };
  for (ExecutionState s : {ExecutionState::kFailed, ExecutionState::kCanceling, ExecutionState::kCanceled,
                           ExecutionState::kRunning, ExecutionState::kDeploying, ExecutionState::kScheduled})
    if (any(s)) return s;
  if (!subtasks.empty() && std::all_of(subtasks.begin(), subtasks.end(), [](const ExecutionVertex& e) {
        return e.state == ExecutionState::kFinished;
      }))
    return ExecutionState::kFinished;
  return any(ExecutionState::kFinished) ? ExecutionState::kRunning : ExecutionState::kCreated;
}

Json job_overview_json(const JobMaster& job) {
  Times t = times_of(job);
  ExecutionGraph eg = job.snapshot();
  Json tasks = Json::object();
  for (ExecutionState s : kAllStates) {
    std::string name = to_string(s);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    tasks[name] = eg.count(s);
  }
  tasks["total"] = eg.total();
  return Json{{"jid", job.id().to_string()},
              {"name", job.name()},
              {"state", to_string(job.status())},
              {"start-time", t.start},
              {"end-time", t.end},
              {"duration", t.duration},
              {"last-modification", t.end > 0 ? t.end : t.start},
              {"tasks", tasks}};
}

Json job_details_json(const JobMaster& job) {
  Times t = times_of(job);
  ExecutionGraph eg = job.snapshot();
  const graph::JobGraph& jg = job.job_graph();
  Json vertices = Json::array();
  int max_parallelism = 0;
  for (size_t v = 0; v < eg.vertices().size(); ++v) {
    const auto& subs = eg.vertices()[v];
    const graph::JobVertex& jv = jg.vertices.at(v);
    max_parallelism = std::max(max_parallelism, jv.max_parallelism);
    Json subtasks = Json::array();
    for (const auto& e : subs)
      subtasks.push_back(Json{{"subtask", e.subtask},
                              {"status", to_string(e.state)},
                              {"attempt", e.attempt},
                              {"taskmanager-id", e.task_manager}});
    vertices.push_back(Json{{"id", std::to_string(v)},
                            {"name", eg.vertex_name(static_cast<int>(v))},
                            {"parallelism", static_cast<int>(subs.size())},
                            {"maxParallelism", jv.max_parallelism},
                            {"status", to_string(aggregate_state(subs))},
                            {"start-time", t.start},
                            {"end-time", t.end},
                            {"duration", t.duration},
                            {"tasks", state_counts(subs)},
                            {"subtasks", subtasks}});
  }
  return Json{{"jid", job.id().to_string()},
              {"name", job.name()},
              {"isStoppable", false},
              {"state", to_string(job.status())},
              {"start-time", t.start},
              {"end-time", t.end},
              {"duration", t.duration},
              {"now", t.now},
              {"maxParallelism", max_parallelism},
              {"restarts", job.attempt()},
              {"failure", job.failure()},
              {"status-counts", state_counts(eg)},
              {"vertices", vertices}};
}

Json exceptions_json(const JobMaster& job, size_t max) {
  std::vector<ExceptionEntry> history = job.exception_history();
  std::reverse(history.begin(), history.end());  // newest first
  Json entries = Json::array();
  for (size_t i = 0; i < history.size() && i < max; ++i) {
    const auto& e = history[i];
    entries.push_back(Json{{"exceptionName", "WeirError"},
                           {"stacktrace", e.error},
                           {"timestamp", e.timestamp_ms},
                           {"taskName", e.task},
                           {"attempt", e.attempt}});
  }
  std::string failure = job.failure();
  Json root = nullptr;
  Json timestamp = nullptr;
  if (!failure.empty()) {
    root = failure;
    timestamp = job.end_time_ms();
  } else if (!history.empty()) {
    root = history.front().error;
    timestamp = history.front().timestamp_ms;
  }
  // Beyond `max`, or beyond what the JobMaster keeps (web.exception-history-size).
  bool truncated = history.size() > max || job.exceptions_total() > history.size();
  return Json{{"root-exception", root},
              {"timestamp", timestamp},
              {"truncated", truncated},
              {"exceptionHistory", Json{{"entries", entries}, {"truncated", truncated}}}};
}

Json plan_json(const JobMaster& job) {
  const graph::JobGraph& jg = job.job_graph();
  Json nodes = Json::array();
  for (const auto& v : jg.vertices) {
    Json inputs = Json::array();
    for (const auto& e : jg.edges) {
      if (e.target_vertex != v.id) continue;
      inputs.push_back(Json{{"num", e.target_input},
                            {"id", std::to_string(e.source_vertex)},
                            {"ship_strategy", runtime::partitioner_name(e.partitioner.kind)},
                            {"exchange", "pipelined_bounded"}});
    }
    Json node{{"id", std::to_string(v.id)},
              {"parallelism", v.parallelism},
              {"operator", ""},
              {"operator_strategy", ""},
              {"description", v.name},
              {"optimizer_properties", Json::object()}};
    if (!inputs.empty()) node["inputs"] = inputs;
    nodes.push_back(node);
  }
  return Json{
      {"plan",
       Json{{"jid", job.id().to_string()}, {"name", jg.name}, {"type", "STREAMING"}, {"nodes", nodes}}}};
}

Json checkpoints_json(const JobMaster& job) {
  CheckpointStats s = job.checkpoint_stats();
  std::vector<CompletedCheckpoint> retained = job.retained_checkpoints();
  Json counts{{"restored", s.restored},
              {"total", s.triggered},
              {"in_progress", std::max<int64_t>(0, s.triggered - s.completed - s.failed)},
              {"completed", s.completed},
              {"failed", s.failed}};
  auto avg = [&](int64_t sum) { return s.completed > 0 ? sum / s.completed : 0; };
  Json summary{
      {"end_to_end_duration",
       min_max_avg(retained, [](const CompletedCheckpoint& c) { return c.duration_ms; })},
      {"state_size", min_max_avg(retained, [](const CompletedCheckpoint& c) { return c.state_size; })},
      {"checkpointed_size", min_max_avg(retained, [](const CompletedCheckpoint& c) { return c.state_size; })},
      {"all_completed", Json{{"avg_end_to_end_duration", avg(s.sum_duration_ms)},
                             {"avg_sync_duration", avg(s.sum_sync_ms)},
                             {"avg_async_duration", avg(s.sum_async_ms)},
                             {"avg_alignment_duration", avg(s.sum_alignment_ms)},
                             {"unaligned", s.completed_unaligned},
                             {"persisted_data", s.in_flight_bytes}}}};
  // The newest completed checkpoint (retained ones are checkpoints only; `latest` may be a savepoint).
  Json latest_completed = nullptr;
  if (!retained.empty())
    latest_completed = completed_json(retained.back());
  else if (s.latest && !s.latest->savepoint)
    latest_completed = completed_json(*s.latest);
  Json latest_savepoint = s.latest_savepoint ? completed_json(*s.latest_savepoint) : Json(nullptr);
  Json failed = nullptr;
  if (s.latest_failed)
    failed = Json{{"@class", "failed"},
                  {"id", s.latest_failed->id},
                  {"status", "FAILED"},
                  {"failure_timestamp", s.latest_failed->failure_ms},
                  {"failure_message", s.latest_failed->reason}};
  Json restored = nullptr;
  if (s.latest_restored)
    restored = Json{{"id", s.latest_restored->id},
                    {"restore_timestamp", s.latest_restored->restore_ms},
                    {"is_savepoint", s.latest_restored->savepoint},
                    {"external_path", s.latest_restored->path}};
  Json history = Json::array();
  for (auto it = retained.rbegin(); it != retained.rend(); ++it) history.push_back(completed_json(*it));
  return Json{{"counts", counts},
              {"summary", summary},
              {"latest", Json{{"completed", latest_completed},
                              {"savepoint", latest_savepoint},
                              {"failed", failed},
                              {"restored", restored}}},
              {"history", history}};
}

Json job_config_json(const JobMaster& job) {
  const graph::JobGraph& jg = job.job_graph();
  Json user = Json::object();
  for (const auto& [key, value] : jg.config.values()) user[key] = value;
  return Json{
      {"jid", job.id().to_string()},
      {"name", jg.name},
      {"execution-config", Json{{"job-parallelism", jg.max_vertex_parallelism()}, {"user-config", user}}}};
}

Json checkpoint_details_json(const JobMaster& job, const std::string& id_text) {
  size_t used = 0;
  long long id = -1;
  try {
    id = std::stoll(id_text, &used);
  } catch (const std::exception&) {
  }
  if (id_text.empty() || used != id_text.size() || id < 0)
    throw RestError(400, fmt::format("malformed checkpoint id '{}': checkpoint ids are the numbers "
                                     "/jobs/{}/checkpoints lists",
                                     id_text, job.id().to_string()));
  std::vector<CompletedCheckpoint> retained = job.retained_checkpoints();
  for (const auto& c : retained)
    if (c.id == id) return completed_json(c);
  CheckpointStats s = job.checkpoint_stats();
  if (s.latest_savepoint && s.latest_savepoint->id == id) return completed_json(*s.latest_savepoint);
  if (s.latest && s.latest->id == id) return completed_json(*s.latest);
  if (s.latest_failed && s.latest_failed->id == id)
    return Json{{"@class", "failed"},
                {"id", s.latest_failed->id},
                {"status", "FAILED"},
                {"failure_timestamp", s.latest_failed->failure_ms},
                {"failure_message", s.latest_failed->reason}};
  throw RestError(404, fmt::format("job {} keeps no checkpoint {} (it keeps the {} newest completed ones)",
                                   job.id().to_string(), id, retained.size()));
}

}  // namespace weir::cluster::rest
