#pragma once
// RestJob: a job on a running cluster, followed and steered through its JobManager's REST API (the
// ExecutedJob a remote environment's JobClient holds). Status, cancel, savepoints, checkpoints and
// stop-with-savepoint are the routes `weir list/cancel/savepoint/checkpoint/stop` use; waiting polls the
// job's state (REST has no push).
//
// Threading: any thread. Calls share one connection under a mutex; each savepoint, checkpoint or stop
// future polls on its own thread with its own connection.
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "weir/api/pipeline_executor.h"
#include "weir/client/rest_client.h"

namespace weir::client {

class RestJob : public ExecutedJob {
 public:
  //! `address` is the JobManager's REST HOST:PORT; `name` the job's, for messages.
  RestJob(std::string address, JobId id, std::string name);

  JobId job_id() const override { return id_; }
  cluster::JobStatus status() const override;
  void cancel() override;
  cluster::JobExecutionResult wait() const override;
  cluster::JobStatus wait_for(std::chrono::milliseconds timeout) const override;
  std::future<std::string> trigger_savepoint(const std::string& dir) override;
  std::future<std::string> trigger_checkpoint() override;
  std::future<std::string> stop_with_savepoint(const std::string& dir, bool drain) override;
  std::string where() const override { return "the cluster at " + address_; }

  //! A job state as the REST API names it ("RUNNING"); WeirError for a name it does not know.
  static cluster::JobStatus parse_status(const std::string& state);

 private:
  //! GET /jobs/:id; WeirError when the JobManager does not answer 200.
  nlohmann::json details() const;
  //! POSTs `body` to the job's `route` (202 expected) and polls the operation under `status_route` on
  //! another thread; the future yields the operation's `location`.
  std::future<std::string> operation(const std::string& route, const nlohmann::json& body,
                                     const std::string& status_route, std::string what);

  std::string address_;
  JobId id_;
  std::string name_;
  mutable std::mutex mu_;
  mutable RestClient rest_;  // under mu_
};

}  // namespace weir::client
