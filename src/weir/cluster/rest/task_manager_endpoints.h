#pragma once
// The TaskManager routes of the JobManager's REST API (Flink's shapes where Flink has them):
//   GET /taskmanagers                      every TaskManager the registry knows, lost ones included
//   GET /taskmanagers/:id                  one of them; with a server, also its slots in use, `metrics`
//                                          (memory as the TaskManager knows it), `tasks` (its tasks'
//                                          counters and busy/idle/backpressured time) and `logs`
//   GET /taskmanagers/:id/metrics[?get=a,b] Flink's metric list: [{"id": name, "value": "..."}]
//   GET /taskmanagers/:id/logs             {"logs": [{"name": ..., "size": ...}]}
//   GET /taskmanagers/:id/log              text: the end of its main log (taskmanager.log)
//   GET /taskmanagers/:id/logs/:filename   text: the end of that log file
// The log routes take `?max-bytes=N` (default 1 MiB, at most 16 MiB): the last N bytes, from a line start.
// An unknown TaskManager is 404; a lost one, or one that has not offered slots yet, 409; one that does
// not answer, 503; each message names it.
//
// Threading: handlers run on the REST server's threads; the registry, the ResourceManager and the
// server's executor map are thread-safe, and a TaskManager is asked over gRPC outside any lock.
#include "weir/cluster/rest/rest_server.h"
#include "weir/cluster/rpc/job_manager_server.h"
#include "weir/cluster/rpc/task_manager_registry.h"

namespace weir::cluster::rest {

class TaskManagerEndpoints {
 public:
  //! `registry` must outlive the routes; `server` (may be null: then slots are the offered ones and the
  //! details, metrics and logs routes answer 409) too.
  TaskManagerEndpoints(const rpc::TaskManagerRegistry& registry, rpc::JobManagerServer* server)
      : registry_(registry), server_(server) {}
  void add_routes(RestServer& server) const;

  //! Per TaskManager id, its slots that no job holds (the offered ones without a server).
  std::map<std::string, int> free_slots() const;
  nlohmann::json list() const;

 private:
  const rpc::TaskManagerRecord& find(const std::vector<rpc::TaskManagerRecord>& all,
                                     const std::string& id) const;
  std::shared_ptr<rpc::RemoteTaskExecutor> executor(const rpc::TaskManagerRecord& r) const;
  nlohmann::json details(const rpc::TaskManagerRecord& r) const;

  const rpc::TaskManagerRegistry& registry_;
  rpc::JobManagerServer* const server_;
};

}  // namespace weir::cluster::rest
