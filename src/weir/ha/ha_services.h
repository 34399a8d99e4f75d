#pragma once
// Everything a JobManager or TaskManager needs for high availability on ZooKeeper, behind one object built
// from the configuration (Flink's HighAvailabilityServices): the client (one session per process), the
// leader election, leader retrieval, the HA stores and the cleanup of an ended job.
//
//   JobManager:  services->create_leader_latch(my_address, contender)->start(); on grant_leadership:
//                publish_leader(...) with latch->fence(), recover job_graph_store().job_ids() that have no
//                result, restore each from completed_checkpoint_store().latest(); pass latch->fence() to
//                every store write. On a job's end: job_result_store().put, cleanup_job, mark_clean.
//   TaskManager / client: services->create_leader_retriever(kJobManager, on_change)->start().
//
// Threading: thread-safe; see each part.
#include <memory>
#include <string>

#include "weir/ha/checkpoint_id_counter.h"
#include "weir/ha/completed_checkpoint_store.h"
#include "weir/ha/ha_options.h"
#include "weir/ha/ha_paths.h"
#include "weir/ha/job_graph_store.h"
#include "weir/ha/job_result_store.h"
#include "weir/ha/leader_latch.h"
#include "weir/ha/leader_retrieval.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha {

class ZooKeeperHaServices {
 public:
  //! The leading JobManager's component name under leader/.
  static constexpr const char* kJobManager = "jobmanager";

  //! Connects to settings.zookeeper (waits up to its connection timeout). REQUIRES: type is kZooKeeper.
  static std::unique_ptr<ZooKeeperHaServices> create(const HaSettings& settings);
  //! Over an existing client (tests; several services on one session).
  ZooKeeperHaServices(std::shared_ptr<ZooKeeperClient> client, HaPaths paths);

  ZooKeeperClient& client() { return *client_; }
  const HaPaths& paths() const { return paths_; }

  //! A contender in this cluster's election; start() it. The listener must outlive it.
  std::unique_ptr<LeaderLatch> create_leader_latch(const std::string& description,
                                                   LeaderElectionListener& listener);
  //! Follows the leader of `component`; start() it.
  std::unique_ptr<LeaderRetriever> create_leader_retriever(const std::string& component,
                                                           LeaderRetriever::Listener listener);
  //! Publishes the leader's address for `component` (fenced).
  void publish_leader(const std::string& component, const LeaderInfo& info, const LeaderFence& fence);

  JobGraphStore& job_graph_store() { return job_graphs_; }
  CheckpointIdCounter& checkpoint_id_counter() { return counter_; }
  CompletedCheckpointStore& completed_checkpoint_store() { return checkpoints_; }
  JobResultStore& job_result_store() { return results_; }

  //! Removes an ended job's HA data: checkpoint pointers, checkpoint id counter, spec (pointer and files).
  //! Each step is fenced; the job's result stays (it keeps the job from running again).
  void cleanup_job(const JobId& job, const LeaderFence& fence);
  //! Removes every znode and file of this cluster (a cluster shut down for good). Not fenced: call it
  //! only when no JobManager of the cluster runs.
  void cleanup_cluster();

 private:
  std::shared_ptr<ZooKeeperClient> client_;
  HaPaths paths_;
  JobGraphStore job_graphs_;
  CheckpointIdCounter counter_;
  CompletedCheckpointStore checkpoints_;
  JobResultStore results_;
};

}  // namespace weir::ha
