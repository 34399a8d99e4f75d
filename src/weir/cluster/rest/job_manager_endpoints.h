#pragma once
// The JobManager's REST endpoints, shaped like Flink's: /overview, /config, /jobmanager/config,
// the TaskManager routes of TaskManagerEndpoints (/taskmanagers...), /metrics (Prometheus text) and, on a
// Dispatcher, the job endpoints of JobEndpoints (/jobs...). Without a Dispatcher the job lists are empty and
// every job id is unknown (404).
//
// Threading: handlers run on the REST server's worker threads and read the thread-safe
// TaskManagerRegistry, the thread-safe Dispatcher and immutable fields only.
#include <chrono>
#include <memory>

#include "weir/cluster/jobmanager/dispatcher.h"
#include "weir/cluster/rest/job_endpoints.h"
#include "weir/cluster/rest/rest_server.h"
#include "weir/cluster/rest/task_manager_endpoints.h"
#include "weir/cluster/rpc/task_manager_registry.h"
#include "weir/common/config.h"

namespace weir::cluster::rest {

class JobManagerEndpoints {
 public:
  //! `registry` (and `dispatcher`, when given) must outlive the server the routes are added to.
  //! Without a dispatcher the job lists are empty and every job id is unknown. `server` (may be null;
  //! must outlive the routes too) says which slots jobs hold and reaches the TaskManagers for their
  //! details and logs; without it the free slots are the offered ones.
  JobManagerEndpoints(const rpc::TaskManagerRegistry& registry, Configuration conf,
                      Dispatcher* dispatcher = nullptr, rpc::JobManagerServer* server = nullptr);
  ~JobManagerEndpoints();
  void add_routes(RestServer& server) const;

  nlohmann::json overview() const;
  nlohmann::json task_managers() const;
  //! The Prometheus text exposition of the JobManager's metrics, per-job gauges included.
  std::string metrics() const;

 private:
  const rpc::TaskManagerRegistry& registry_;
  const Configuration conf_;
  Dispatcher* const dispatcher_;
  rpc::JobManagerServer* const server_;
  const std::unique_ptr<JobEndpoints> jobs_;
  const TaskManagerEndpoints task_managers_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

//! Weir's version, as `weir-version` in /overview and /config (Flink's `flink-version`).
const char* weir_version();

}  // namespace weir::cluster::rest
