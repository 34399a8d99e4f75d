#pragma once
// Where a job runs (Flink's PipelineExecutor and JobClient): an environment given an executor
// (StreamExecutionEnvironment::set_executor) hands it the JobGraph and its configuration at execute(), and
// the executor answers with a handle on the job it started elsewhere. A job on the embedded MiniCluster has
// such a handle too (environment.cc), so that the public headers need none of the cluster's.
// The remote environment (weir/client/remote_environment.h) is the one executor Weir ships: it submits to a
// running cluster over REST. The interfaces live here so that api stays below the client that implements
// them.
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "weir/cluster/execution_state.h"
#include "weir/common/config.h"
#include "weir/graph/job_graph.h"

namespace weir {

namespace cluster {
class JobMaster;
class MiniCluster;
}  // namespace cluster

//! A running job, here or in another process. Every call may throw WeirError when that process cannot be
//! reached.
class ExecutedJob {
 public:
  virtual ~ExecutedJob() = default;
  virtual JobId job_id() const = 0;
  virtual cluster::JobStatus status() const = 0;
  virtual void cancel() = 0;
  //! Waits for the end; throws JobExecutionError (failed) or JobCanceledError (canceled).
  virtual cluster::JobExecutionResult wait() const = 0;
  //! Waits at most `timeout`; returns the status then.
  virtual cluster::JobStatus wait_for(std::chrono::milliseconds timeout) const = 0;
  virtual std::future<std::string> trigger_savepoint(const std::string& dir) = 0;
  virtual std::future<std::string> trigger_checkpoint() = 0;
  virtual std::future<std::string> stop_with_savepoint(const std::string& dir, bool drain) = 0;
  //! Where the job runs, for messages ("the cluster at 127.0.0.1:8081").
  virtual std::string where() const = 0;
  //! The JobMaster, when it is in this process (the embedded cluster's jobs); null otherwise.
  virtual const cluster::JobMaster* job_master() const { return nullptr; }
  //! The embedded cluster the job runs on, when this handle keeps one alive; null otherwise.
  virtual cluster::MiniCluster* mini_cluster() const { return nullptr; }
};

//! Starts jobs somewhere other than an embedded MiniCluster.
class PipelineExecutor {
 public:
  virtual ~PipelineExecutor() = default;
  //! Starts the job `graph` describes, with `config` (the environment's configuration); throws WeirError
  //! naming why the job was refused.
  virtual std::shared_ptr<ExecutedJob> execute(const graph::JobGraph& graph, const Configuration& config) = 0;
};

}  // namespace weir
