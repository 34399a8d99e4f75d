#include "weir/cluster/rest/job_endpoints.h"
#include "weir/fs/file_system.h"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "weir/cluster/rest/backpressure.h"
#include "weir/cluster/rest/job_json.h"
#include "weir/cluster/rest/vertex_metrics.h"
#include "weir/common/error.h"

namespace weir::cluster::rest {

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

// How long an operation asked for over REST waits for the job to be able to take it.
constexpr std::chrono::seconds kTurnTimeout{60};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 409: the operation needs a running job.
void require_running(const JobMaster& job, const char* what) {
  JobStatus s = job.status();
  if (s != JobStatus::kRunning)
    throw RestError(409, fmt::format("cannot {} job {}: it is {}, not RUNNING", what, job.id().to_string(),
                                     to_string(s)));
}

RestResponse accepted(const std::string& trigger_id) {
  return RestResponse::json(Json{{"request-id", trigger_id}}, 202);
}

// Flink's SerializedThrowable, reduced to what a C++ error carries.
Json failure_cause(const std::string& message) {
  return Json{{"class", "weir::WeirError"}, {"stack-trace", message}, {"serialized-throwable", message}};
}

// "chk-17" -> 17 (the checkpoint id in a checkpoint's directory name); -1 when not of that form.
int64_t checkpoint_id_of(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  if (name.rfind("chk-", 0) != 0) return -1;
  try {
    return std::stoll(name.substr(4));
  } catch (const std::exception&) {
    return -1;
  }
}

// Runs `trigger` (a checkpoint, savepoint or stop of the job) and waits for its result. While the job
// cannot take it for a passing reason (periodic checkpoints in flight or within their minimum pause,
// tasks still being deployed after a start or restart) it tries again, up to kTurnTimeout.
std::string when_possible(const std::weak_ptr<JobMaster>& weak, const std::atomic<bool>& closing,
                          const std::function<std::future<std::string>(JobMaster&)>& trigger) {
  auto deadline = std::chrono::steady_clock::now() + kTurnTimeout;
  for (;;) {
    std::future<std::string> result;
    if (auto jm = weak.lock())
      result = trigger(*jm);
    else
      throw WeirError("the job is gone");
    while (result.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready)
      if (closing) throw WeirError("the JobManager is shutting down");
    try {
      return result.get();
    } catch (const WeirError& e) {
      std::string why = e.what();
      bool passing = why.find("too many checkpoints in flight") != std::string::npos ||
                     why.find("min pause") != std::string::npos ||
                     why.find("not every task is running yet") != std::string::npos;
      if (!passing || closing || std::chrono::steady_clock::now() > deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

JobId parse_job_id(const std::string& text) {
  bool ok = text.size() == 32;
  uint64_t part[2] = {0, 0};
  for (size_t i = 0; ok && i < text.size(); ++i) {
    int d = hex_digit(text[i]);
    ok = d >= 0;
    part[i / 16] = part[i / 16] << 4 | static_cast<uint64_t>(d < 0 ? 0 : d);
  }
  if (!ok) throw RestError(400, fmt::format("malformed job id '{}': a job id is 32 hex digits", text));
  return JobId(part[0], part[1]);
}

std::string savepoint_location(const std::string& dir_in, const JobId& job, const std::string& field) {
  std::string dir = dir_in.rfind("file://", 0) == 0 ? dir_in.substr(7) : dir_in;
  if (dir.empty())
    throw RestError(400, fmt::format("field '{}' is empty: name a savepoint directory", field));
  std::string random = JobId::generate().to_string().substr(0, 12);
  if (dir.find("://") != std::string::npos) {
    // An object store (s3://bucket/prefix): the path must parse; whether the bucket is reachable shows
    // when the savepoint is written (the trigger then fails with the store's error).
    try {
      return (weir::fs::Path::parse(dir) /
              fmt::format("savepoint-{}-{}", job.to_string().substr(0, 6), random))
          .str();
    } catch (const std::exception& e) {
      throw RestError(400, fmt::format("bad savepoint path '{}' ({}): {}", dir_in, field, e.what()));
    }
  }
  fs::path p(dir);
  if (!p.is_absolute())
    throw RestError(400,
                    fmt::format("bad savepoint path '{}' ({}): it must be an absolute path", dir_in, field));
  std::error_code ec;
  if (fs::exists(p, ec) && !fs::is_directory(p, ec))
    throw RestError(
        400, fmt::format("bad savepoint path '{}' ({}): it exists and is not a directory", dir_in, field));
  // The nearest existing ancestor must be a directory we may write into.
  fs::path existing = p;
  while (!fs::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path())
    existing = existing.parent_path();
  if (!fs::is_directory(existing, ec))
    throw RestError(400, fmt::format("bad savepoint path '{}' ({}): '{}' is not a directory", dir_in, field,
                                     existing.string()));
  if (::access(existing.c_str(), W_OK | X_OK) != 0)
    throw RestError(400, fmt::format("bad savepoint path '{}' ({}): '{}' is not writable", dir_in, field,
                                     existing.string()));
  return (p / fmt::format("savepoint-{}-{}", job.to_string().substr(0, 6), random)).string();
}

JobEndpoints::JobEndpoints(Dispatcher* dispatcher, std::chrono::milliseconds async_store_duration)
    : dispatcher_(dispatcher), operations_(async_store_duration), history_(dispatcher) {}

Json JobEndpoints::jobs() const {
  Json list = Json::array();
  if (!dispatcher_) return Json{{"jobs", list}};
  for (const auto& j : dispatcher_->list_jobs())
    list.push_back(Json{{"id", j.id.to_string()}, {"status", to_string(j.status)}});
  return Json{{"jobs", list}};
}

namespace {

//! A job that left the job store (jobstore.expiration-time, jobstore.max-capacity): what is left of it.
Json archived_job_json(const JobSummary& s) {
  return Json{{"jid", s.id.to_string()},
              {"name", s.name},
              {"state", to_string(s.status)},
              {"start-time", s.start_ms},
              {"end-time", s.end_ms},
              {"duration", s.end_ms > 0 && s.start_ms > 0 ? s.end_ms - s.start_ms : 0},
              {"last-modification", s.end_ms},
              {"restarts", s.restarts},
              {"failure", s.failure},
              {"archived", true},
              {"tasks", Json{{"total", 0}}}};
}

}  // namespace

Json JobEndpoints::jobs_overview() const {
  Json list = Json::array();
  if (!dispatcher_) return Json{{"jobs", list}};
  for (const auto& j : dispatcher_->list_jobs()) {
    if (j.archived) {
      list.push_back(archived_job_json(j));
    } else if (auto jm = dispatcher_->job(j.id)) {
      list.push_back(job_overview_json(*jm));
    } else if (auto a = dispatcher_->archived(j.id)) {  // it left the store since the listing
      list.push_back(archived_job_json(*a));
    }
  }
  return Json{{"jobs", list}};
}

std::shared_ptr<JobMaster> JobEndpoints::job_of(const RestRequest& req) const {
  const std::string& text = req.params.at("jobid");
  JobId id = parse_job_id(text);
  auto jm = dispatcher_ ? dispatcher_->job(id) : nullptr;
  if (jm) return jm;
  if (dispatcher_ && dispatcher_->archived(id))
    throw RestError(404, fmt::format("job {} ended and was archived (jobstore.expiration-time, "
                                     "jobstore.max-capacity): only its summary at /jobs/{} is kept",
                                     text, text));
  throw RestError(404, fmt::format("job {} not found", text));
}

RestResponse JobEndpoints::cancel(const RestRequest& req) {
  auto jm = job_of(req);
  std::string mode = req.query_param("mode").value_or("cancel");
  if (mode != "cancel")
    throw RestError(400, fmt::format("unknown mode '{}': PATCH /jobs/:jobid accepts mode=cancel", mode));
  JobStatus s = jm->status();
  if (is_terminal(s))
    throw RestError(409, fmt::format("cannot cancel job {}: it has already ended {}", jm->id().to_string(),
                                     to_string(s)));
  jm->cancel();
  return RestResponse::json(Json::object(), 202);
}

RestResponse JobEndpoints::trigger_checkpoint(const RestRequest& req) {
  auto jm = job_of(req);
  Json body = req.json_body();
  if (auto type = string_field(body, "checkpointType"); type && *type != "CONFIGURED" && *type != "FULL")
    throw RestError(400, fmt::format("field 'checkpointType' is '{}': Weir takes CONFIGURED or FULL", *type));
  require_running(*jm, "checkpoint");
  // A checkpoint asked for while periodic ones are in flight waits for its turn (as in Flink).
  std::weak_ptr<JobMaster> weak = jm;
  return accepted(operations_.run(
      OperationKind::kCheckpoint, jm->id().to_string(), [weak](const std::atomic<bool>& closing) {
        return when_possible(weak, closing, [](JobMaster& j) { return j.trigger_checkpoint(); });
      }));
}

RestResponse JobEndpoints::trigger_savepoint(const RestRequest& req) {
  auto jm = job_of(req);
  Json body = req.json_body();
  auto dir = string_field(body, "target-directory");
  bool cancel_job = bool_field(body, "cancel-job").value_or(false);
  if (auto format = string_field(body, "formatType"); format && *format != "CANONICAL")
    throw RestError(400, fmt::format("field 'formatType' is '{}': Weir's savepoints are CANONICAL", *format));
  if (!dir)
    throw RestError(400, "missing field 'target-directory': name the directory the savepoint goes into");
  std::string location = savepoint_location(*dir, jm->id(), "target-directory");
  require_running(*jm, "take a savepoint of");
  std::weak_ptr<JobMaster> weak = jm;
  return accepted(operations_.run(OperationKind::kSavepoint, jm->id().to_string(),
                                  [weak, location, cancel_job](const std::atomic<bool>& closing) {
                                    std::string path = when_possible(
                                        weak, closing,
                                        [&location](JobMaster& j) { return j.trigger_savepoint(location); });
                                    if (cancel_job)
                                      if (auto j = weak.lock())
                                        j->cancel();  // Flink's cancel-job: once the savepoint exists
                                    return path;
                                  }));
}

RestResponse JobEndpoints::stop(const RestRequest& req) {
  auto jm = job_of(req);
  Json body = req.json_body();
  auto dir = string_field(body, "targetDirectory");
  bool drain = bool_field(body, "drain").value_or(false);
  if (!dir)
    throw RestError(400, "missing field 'targetDirectory': name the directory the savepoint goes into");
  std::string location = savepoint_location(*dir, jm->id(), "targetDirectory");
  require_running(*jm, "stop");
  std::weak_ptr<JobMaster> weak = jm;
  return accepted(operations_.run(OperationKind::kStopWithSavepoint, jm->id().to_string(),
                                  [weak, location, drain](const std::atomic<bool>& closing) {
                                    return when_possible(weak, closing, [&](JobMaster& j) {
                                      return j.stop_with_savepoint(location, drain);
                                    });
                                  }));
}

RestResponse JobEndpoints::operation_status(const RestRequest& req, bool savepoints) {
  auto jm = job_of(req);
  const std::string& trigger = req.params.at("triggerid");
  auto op = operations_.status(trigger);
  bool kind_ok =
      op && (savepoints ? op->kind != OperationKind::kCheckpoint : op->kind == OperationKind::kCheckpoint);
  if (!op || op->job_id != jm->id().to_string() || !kind_ok)
    throw RestError(404, fmt::format("no {} operation with trigger id {} for job {}",
                                     savepoints ? "savepoint" : "checkpoint", trigger, jm->id().to_string()));
  if (!op->done) return RestResponse::json(Json{{"status", Json{{"id", "IN_PROGRESS"}}}});
  Json operation;
  if (!op->failure.empty())
    operation = Json{{"failure-cause", failure_cause(op->failure)}};
  else if (savepoints)
    operation = Json{{"location", op->result}};
  else
    operation = Json{{"checkpointId", checkpoint_id_of(op->result)}, {"location", op->result}};
  return RestResponse::json(Json{{"status", Json{{"id", "COMPLETED"}}}, {"operation", operation}});
}

void JobEndpoints::add_routes(RestServer& server) {
  server.add_route("GET", "/jobs", [this](const RestRequest&) { return RestResponse::json(jobs()); });
  server.add_route("GET", "/jobs/overview",
                   [this](const RestRequest&) { return RestResponse::json(jobs_overview()); });
  server.add_route("GET", "/jobs/:jobid", [this](const RestRequest& req) {
    const JobId id = parse_job_id(req.params.at("jobid"));
    auto jm = dispatcher_ ? dispatcher_->job(id) : nullptr;
    if (!jm) {
      if (auto a = dispatcher_ ? dispatcher_->archived(id) : std::nullopt)
        return RestResponse::json(archived_job_json(*a));
      jm = job_of(req);  // throws the 404 that names the job
    }
    Json details = job_details_json(*jm);
    auto samples = history_.samples(jm->id());
    for (size_t v = 0; v < details["vertices"].size(); ++v)
      details["vertices"][v]["metrics"] = vertex_metrics_json(samples, static_cast<int>(v));
    return RestResponse::json(details);
  });
  server.add_route("PATCH", "/jobs/:jobid", [this](const RestRequest& req) { return cancel(req); });
  server.add_route("GET", "/jobs/:jobid/exceptions", [this](const RestRequest& req) {
    auto jm = job_of(req);
    size_t max = 20;  // Flink's default
    if (auto text = req.query_param("maxExceptions")) {
      size_t used = 0;
      long long n = -1;
      try {
        n = std::stoll(*text, &used);
      } catch (const std::exception&) {
      }
      if (n < 0 || used != text->size())
        throw RestError(400,
                        fmt::format("query parameter 'maxExceptions' is '{}': want a count >= 0", *text));
      max = static_cast<size_t>(n);
    }
    return RestResponse::json(exceptions_json(*jm, max));
  });
  server.add_route("GET", "/jobs/:jobid/plan",
                   [this](const RestRequest& req) { return RestResponse::json(plan_json(*job_of(req))); });
  server.add_route("GET", "/jobs/:jobid/checkpoints", [this](const RestRequest& req) {
    return RestResponse::json(checkpoints_json(*job_of(req)));
  });
  server.add_route("POST", "/jobs/:jobid/checkpoints",
                   [this](const RestRequest& req) { return trigger_checkpoint(req); });
  server.add_route("GET", "/jobs/:jobid/checkpoints/:triggerid",
                   [this](const RestRequest& req) { return operation_status(req, false); });
  server.add_route("POST", "/jobs/:jobid/savepoints",
                   [this](const RestRequest& req) { return trigger_savepoint(req); });
  server.add_route("GET", "/jobs/:jobid/savepoints/:triggerid",
                   [this](const RestRequest& req) { return operation_status(req, true); });
  server.add_route("POST", "/jobs/:jobid/stop", [this](const RestRequest& req) { return stop(req); });
  server.add_route("GET", "/jobs/:jobid/config", [this](const RestRequest& req) {
    return RestResponse::json(job_config_json(*job_of(req)));
  });
  server.add_route("GET", "/jobs/:jobid/checkpoints/details/:checkpointid", [this](const RestRequest& req) {
    return RestResponse::json(checkpoint_details_json(*job_of(req), req.params.at("checkpointid")));
  });
  server.add_route("GET", "/jobs/:jobid/vertices/:vertexid", [this](const RestRequest& req) {
    auto jm = job_of(req);
    int vertex = parse_vertex_id(*jm, req.params.at("vertexid"));
    return RestResponse::json(vertex_details_json(*jm, history_.samples(jm->id()), vertex));
  });
  server.add_route("GET", "/jobs/:jobid/vertices/:vertexid/subtasks/metrics", [this](const RestRequest& req) {
    auto jm = job_of(req);
    int vertex = parse_vertex_id(*jm, req.params.at("vertexid"));
    Json details = vertex_details_json(*jm, history_.samples(jm->id()), vertex);
    return RestResponse::json(Json{{"metrics", details["metrics"]}, {"subtasks", details["subtasks"]}});
  });
  server.add_route("GET", "/jobs/:jobid/vertices/:vertexid/watermarks", [this](const RestRequest& req) {
    auto jm = job_of(req);
    int vertex = parse_vertex_id(*jm, req.params.at("vertexid"));
    return RestResponse::json(watermarks_json(history_.samples(jm->id()), vertex));
  });
  server.add_route("GET", "/jobs/:jobid/metrics/history", [this](const RestRequest& req) {
    auto jm = job_of(req);
    return RestResponse::json(metric_history_json(*jm, history_.samples(jm->id()), history_.interval()));
  });
  server.add_route("GET", "/jobs/:jobid/vertices/:vertexid/backpressure", [this](const RestRequest& req) {
    auto jm = job_of(req);
    return RestResponse::json(backpressure_json(*jm, req.params.at("vertexid")));
  });
}

}  // namespace weir::cluster::rest
