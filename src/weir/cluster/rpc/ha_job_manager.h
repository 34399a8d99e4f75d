#pragma once
// A JobManager process with high availability on ZooKeeper (issue #14): it contends in the leader election
// and, only while it leads, runs a JobManagerServer (Dispatcher, JobMasters, TaskManager registry, blob
// service) whose fencing token is the term's leader session id. On a grant it starts the server, lets the
// caller add its REST routes, publishes its RPC and REST addresses with the session id, and recovers every
// job of the JobGraphStore that has no result: from the newest restorable pointer of the
// CompletedCheckpointStore, under the same job id, with checkpoint ids from the CheckpointIdCounter. While
// it leads, a submitted job's spec is stored before it runs, each completed checkpoint is added (and
// subsumed ones removed) fenced by the latch node, and an ended job's result is recorded and its HA data
// removed. On a revoke the JobMasters are suspended (no task is canceled: the next leader fences them off),
// the server stops, and the latch joins the election again by itself. While the ZooKeeper connection is
// suspended no checkpoint starts or completes; the jobs run on.
//
// Threading: ZooKeeper's event thread calls the LeaderElectionListener methods; they hand the work to one
// term thread (grant, revoke, in order), which is the only one that starts and stops servers. term() and
// leader() are thread-safe.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "weir/cluster/rpc/job_manager_server.h"
#include "weir/common/config.h"
#include "weir/common/serial_executor.h"
#include "weir/ha/ha_services.h"

namespace weir::cluster::rpc {

class HaJobManager final : public ha::LeaderElectionListener {
 public:
  //! What the caller adds to a leadership term (the REST job endpoints). `start` runs after the server is
  //! up and before the leader is published; `stop` before the server stops. Both on the term thread.
  struct TermListener {
    std::function<void(const std::shared_ptr<JobManagerServer>&)> start;
    std::function<void()> stop;
  };

  //! Connects to ZooKeeper (ConfigError / ZooKeeperError when it cannot). `rest_address` (HOST:PORT) is
  //! published as the leader's REST address while this process leads.
  HaJobManager(Configuration conf, const ha::HaSettings& settings, std::string rest_address,
               TermListener listener);
  //! close().
  ~HaJobManager() override;

  //! Joins the election and follows the published leader.
  void start();
  //! Leaves the election; a leader's jobs are suspended, not canceled (a standby recovers them).
  void close();

  //! The server of the current term, nullptr while standing by.
  std::shared_ptr<JobManagerServer> term() const;
  //! The leader published in ZooKeeper (this process or another), nullopt when none is.
  std::optional<ha::LeaderInfo> leader() const;
  //! This process leads now.
  bool leading() const { return latch_ && latch_->has_leadership(); }

  // LeaderElectionListener (ZooKeeper's event thread).
  void grant_leadership(const ha::LeaderSessionId& session) override;
  void revoke_leadership() override;
  void suspend_leadership() override;
  void resume_leadership() override;

 private:
  void begin_term(const ha::LeaderSessionId& session);  // term thread
  void end_term(const std::string& why);                // term thread
  //! Runs every stored job without a result (and finishes cleanups left unfinished); returns how many
  //! jobs it started. Term thread.
  size_t recover_jobs(JobManagerServer& server, const ha::LeaderFence& fence);
  JobManagerHaHooks hooks(const ha::LeaderFence& fence);
  //! The blob key of a stored job's spec (a library or Python job); empty for others or when unreadable.
  std::string blob_key_of(const JobId& job);
  //! After job `ended` was cleaned up: removes its library blob from the HA blob store unless a job still
  //! in the JobGraphStore uses the same blob (blobs are stored by content, so jobs may share one).
  void remove_blob_if_unreferenced(const std::string& blob_key, const JobId& ended);

  Configuration conf_;
  const std::string rest_address_;
  const std::string blob_dir_;  // <storageDir><cluster-id>/blobs
  TermListener listener_;
  std::unique_ptr<ha::ZooKeeperHaServices> ha_;
  std::unique_ptr<ha::LeaderLatch> latch_;
  std::unique_ptr<ha::LeaderRetriever> retriever_;
  std::atomic<bool> paused_{false};  // the connection is suspended while leading
  mutable std::mutex mu_;
  std::shared_ptr<JobManagerServer> server_;  // REQUIRES: mu_ held (written on the term thread only)
  SerialExecutor terms_;                      // last member: drained first on destruction
};

}  // namespace weir::cluster::rpc
