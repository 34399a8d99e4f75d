#pragma once
// Everything a TaskManager needs to run one subtask. In-process it references the JobGraph directly;
// across processes the job graph is rebuilt from the job's artifact and this names the vertex.
#include <memory>
#include <string>
#include <vector>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/common/ids.h"
#include "weir/common/time.h"
#include "weir/graph/job_graph.h"

namespace weir::cluster {

struct TaskDeploymentDescriptor {
  JobId job;
  int attempt = 0;
  std::shared_ptr<const graph::JobGraph> job_graph;
  int vertex = 0;
  int subtask = 0;
  std::shared_ptr<Clock> clock;
  //! State to start from (a checkpoint or savepoint), or null for a fresh start.
  //! The state handles this subtask restores (checkpoint::restore_handles_for); null: a fresh start.
  std::shared_ptr<const checkpoint::CompletedCheckpoint> restore;
  //! HOST:PORT of the data plane of every subtask's TaskManager, [vertex][subtask]; empty when every
  //! task of the job runs in this process.
  std::vector<std::vector<std::string>> locations;
};

}  // namespace weir::cluster
