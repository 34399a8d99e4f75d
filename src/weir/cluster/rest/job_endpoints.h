#pragma once
// The job part of the JobManager's REST API, on a Dispatcher, in Flink's shapes (docs/rest.md):
// /jobs, /jobs/overview, /jobs/:jobid (GET details, PATCH ?mode=cancel), .../exceptions, .../plan,
// .../config, .../checkpoints (GET statistics, POST trigger, GET .../:triggerid status, GET
// .../details/:id), .../savepoints (POST trigger, GET .../:triggerid status), .../stop,
// .../vertices/:vertexid (with per-subtask metrics), .../vertices/:vertexid/{backpressure,watermarks,
// subtasks/metrics} and .../metrics/history (vertex_metrics.h).
//
// Errors: a malformed job id (not 32 hex digits) is 400, an unknown one 404, both naming the id; a bad
// body or savepoint directory is 400 naming the field; acting on a job that is not running is 409.
//
// Threading: handlers run on the REST server's worker threads. The Dispatcher and JobMasters are
// thread-safe; triggered operations live in AsyncOperations (thread-safe).
#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "weir/cluster/jobmanager/dispatcher.h"
#include "weir/cluster/rest/async_operations.h"
#include "weir/cluster/rest/metric_history.h"
#include "weir/cluster/rest/rest_server.h"

namespace weir::cluster::rest {

class JobEndpoints {
 public:
  //! `dispatcher` must outlive this object and the server its routes are added to. Null: no jobs
  //! (the lists are empty, every well-formed job id is 404).
  //! `async_store_duration`: rest.async.store-duration (how long triggered operations' outcomes stay).
  explicit JobEndpoints(Dispatcher* dispatcher,
                        std::chrono::milliseconds async_store_duration = std::chrono::minutes(5));
  void add_routes(RestServer& server);

  //! `{"jobs": [{"id", "status"}]}`
  nlohmann::json jobs() const;
  //! `{"jobs": [...]}` with job_overview_json() entries.
  nlohmann::json jobs_overview() const;
  //! The job named by the request's `:jobid`: RestError 400 when malformed, 404 when unknown.
  std::shared_ptr<JobMaster> job_of(const RestRequest& req) const;

 private:
  RestResponse cancel(const RestRequest& req);
  RestResponse trigger_checkpoint(const RestRequest& req);
  RestResponse trigger_savepoint(const RestRequest& req);
  RestResponse stop(const RestRequest& req);
  RestResponse operation_status(const RestRequest& req, bool savepoints);

  Dispatcher* const dispatcher_;
  AsyncOperations operations_;
  MetricHistory history_;  // samples the jobs' task counters once a second (rates, charts)
};

//! The JobId in `text` (32 hex digits), or RestError 400 naming it.
JobId parse_job_id(const std::string& text);
//! Where a savepoint of `job` into `dir` goes (Flink's layout: `dir/savepoint-<job prefix>-<random>`),
//! after checking `dir`: absolute (a `file://` prefix is accepted), not an existing file, and
//! creatable or writable. RestError 400 naming `field` and the problem otherwise.
std::string savepoint_location(const std::string& dir, const JobId& job, const std::string& field);

}  // namespace weir::cluster::rest
