#pragma once
// Tracks the checkpoints of one job: starts them (the JobMaster sends the barrier to the sources),
// collects the tasks' acknowledgements, writes the metadata that completes a checkpoint, keeps the
// configured number of completed checkpoints and deletes older ones, and aborts checkpoints that
// time out or that a task declines.
//
// Threading: every method REQUIRES the owning JobMaster's lock. The coordinator does no I/O under it: the
// metadata write, the HA store's completion, reading the shared-state lists and every discard are steps of
// the JobMaster's IoLane (set_io), whose I/O runs on the JobManager's IoExecutor with no lock held. A
// checkpoint whose last acknowledgement arrived is "completing" until its step finishes: it counts as
// complete (retained(), on_completed, the tasks' notifications) only once its _metadata is durable and,
// with HA, its pointer is in ZooKeeper. Without set_io (unit tests) the steps run at once, in the caller.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/checkpoint/shared_state_registry.h"
#include "weir/cluster/gateways.h"
#include "weir/cluster/jobmanager/io_lane.h"
#include "weir/common/config.h"
#include "weir/common/error.h"
#include "weir/graph/job_graph.h"

namespace weir::cluster {

struct CheckpointSettings {
  int64_t interval_ms = 0;  //!< 0: no periodic checkpoints
  int64_t timeout_ms = 600000;
  int64_t min_pause_ms = 0;
  int max_concurrent = 1;
  int tolerable_failures = 0;
  int num_retained = 1;
  std::string retention = "delete_on_cancellation";
  std::string dir;
  static CheckpointSettings from_config(const Configuration& conf);
};

struct CompletedCheckpoint {
  int64_t id = 0;
  std::string path;  //!< the checkpoint directory (holds _metadata)
  bool savepoint = false;
  int64_t duration_ms = 0;
  int64_t max_sync_ms = 0;
  int64_t max_async_ms = 0;
  int64_t max_alignment_ms = 0;
  uint64_t state_size = 0;
  bool unaligned = false;        //!< some task snapshotted before all its barriers arrived
  uint64_t in_flight_bytes = 0;  //!< in-flight data persisted by unaligned snapshots
  int64_t trigger_ms = 0;        //!< when it was triggered (the coordinator's clock, ms since the epoch)
  int64_t completed_ms = 0;      //!< when its last acknowledgement completed it
};

struct CheckpointStats {
  int64_t triggered = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t completed_unaligned = 0;  //!< completed checkpoints some task took unaligned
  uint64_t in_flight_bytes = 0;     //!< in-flight data persisted, over all completed checkpoints
  // Sums over completed checkpoints (each checkpoint contributes its slowest task's time), so that
  // averages can be reported: end to end, synchronous part, asynchronous part, alignment.
  int64_t sum_duration_ms = 0;
  int64_t sum_sync_ms = 0;
  int64_t sum_async_ms = 0;
  int64_t sum_alignment_ms = 0;
  std::optional<CompletedCheckpoint> latest;  //!< a checkpoint or a savepoint
  std::optional<CompletedCheckpoint> latest_savepoint;
  //! The latest checkpoint or savepoint that failed (REST `latest.failed`).
  struct Failed {
    int64_t id = 0;
    int64_t failure_ms = 0;
    std::string reason;
  };
  std::optional<Failed> latest_failed;
  //! How often the job restored state, and from what the last time (REST `latest.restored`).
  struct Restored {
    int64_t id = 0;
    int64_t restore_ms = 0;
    bool savepoint = false;
    std::string path;
  };
  int64_t restored = 0;
  std::optional<Restored> latest_restored;
};

//! How a job's checkpoints reach high-availability storage (ZooKeeper with HA on; empty members without).
//! Each member may throw: a failed `next_id` leaves no id for the trigger, a failed `completed` leaves the
//! checkpoint incomplete (it is aborted and its files discarded). `paused` runs under the JobMaster's lock;
//! `next_id` and `completed` run on its I/O lane without it: ids are reserved ahead of the triggers
//! (CheckpointCoordinator::reserve_ids), `completed` in checkpoint completion order after the metadata write.
//! Thrown by CheckpointHaHooks::completed when it cannot tell whether the checkpoint's pointer was stored
//! (the connection to ZooKeeper dropped with the write in flight). The checkpoint is aborted like any failed
//! completion, but its files stay: a pointer to them may exist, and the next leader may restore from it.
class CheckpointCompletionUnknown : public WeirError {
 public:
  using WeirError::WeirError;
};

struct CheckpointHaHooks {
  //! The next checkpoint id from a counter that survives the JobManager (ids never repeat for a job).
  std::function<int64_t()> next_id;
  //! Checkpoint `id` is complete: its `_metadata` is at `metadata_path`; `retained` are the ids of every
  //! checkpoint kept after it (itself included), so any other pointer may go. Throws when the checkpoint is
  //! not complete (CheckpointCompletionUnknown when that is not known).
  std::function<void(int64_t id, const std::string& metadata_path, const std::vector<int64_t>& retained)>
      completed;
  //! True while the JobManager may not write to ZooKeeper (its connection is suspended): no checkpoint
  //! starts or completes then, and that is not a checkpoint failure.
  std::function<bool()> paused;
  //! A job a new leader recovers: the checkpoints a former leader completed and retained (oldest first,
  //! the one the job restores from last). The coordinator adopts them as its own retained checkpoints and
  //! registers their shared state, so that once they are subsumed their files, and the shared files no
  //! retained checkpoint references any more, are deleted, and those still referenced are kept.
  struct Retained {
    int64_t id = 0;
    std::string dir;  //!< the checkpoint directory (holds _metadata and the *.shared-refs lists)
  };
  std::vector<Retained> recovered;
  //! The number of the job's first execution attempt. Task, partition and channel ids name the attempt, and
  //! a new leader's JobMaster counts from here while tasks of the former leader (same job id) may still be
  //! canceling on the TaskManagers: a base drawn at random per JobMaster keeps the two apart. Restarts are
  //! counted from it (JobMaster::attempt()).
  int first_attempt = 0;
};

class CheckpointCoordinator {
 public:
  CheckpointCoordinator(std::string job_id, std::shared_ptr<const graph::JobGraph> jg, CheckpointSettings s,
                        CheckpointHaHooks ha = {});

  //! Runs the coordinator's I/O on `lane` (the JobMaster's); `on_completed` runs under the owner's lock when
  //! a checkpoint or savepoint has completed (its metadata durable, and in the HA store).
  //! Also starts reserving checkpoint ids (HA).
  void set_io(IoLane* lane, std::function<void(const CompletedCheckpoint&)> on_completed) {
    lane_ = lane ? lane : &own_lane_;
    on_completed_ = std::move(on_completed);
    reserve_ids();
  }
  //! A checkpoint is completing (its metadata or HA write under way, or queued).
  bool completing() const {
    for (const auto& [id, p] : pending_)
      if (p.completing) return true;
    return false;
  }
  const CheckpointSettings& settings() const { return s_; }
  //! Why a checkpoint cannot start now (empty when it can). With HA, that no id is reserved is one reason
  //! (kNoReservedId); reserve_ids() then has a reservation under way.
  std::string cannot_start(int64_t now_ms, bool savepoint) const;
  //! With HA: checkpoint ids come from ZooKeeper's counter, a round trip that must not happen under the
  //! JobMaster's lock. The coordinator keeps kReservedIds of them ahead, taken on the I/O lane; a trigger
  //! uses the oldest (so ids increase; those a deposed leader reserved and never used are gaps, and a new
  //! leader's counter is past them). Posts a reservation when fewer are left and none is under way;
  //! `then(error)` runs under the owner's lock once it is done (error empty when ids were reserved; at once
  //! when ids are there). Without HA ids are counted here and `then` runs at once.
  void reserve_ids(std::function<void(const std::string& error)> then = nullptr);
  static constexpr size_t kReservedIds = 3;
  static constexpr const char* kNoReservedId =
      "no checkpoint id reserved yet (ZooKeeper's checkpoint id counter is being read)";
  //! Registers a new pending checkpoint awaiting `tasks` acknowledgements; returns its barrier. With HA it
  //! takes a reserved id (cannot_start said one is there; throws WeirError when none is).
  CheckpointBarrier begin(int attempt, int tasks, bool savepoint, const std::string& target_dir,
                          int64_t now_ms);
  //! Adds an acknowledgement; when it was the last one missing the checkpoint starts completing (its I/O
  //! step). Returns the completed checkpoint when that step already finished (no I/O lane: unit tests).
  //! Ignored when it is not of the pending checkpoint's `attempt`, repeats one, or its state handle names
  //! another subtask than the acknowledging one (refused, logged).
  std::optional<CompletedCheckpoint> acknowledge(const CheckpointAck& ack, int attempt, int64_t now_ms);
  //! A task finished: it will not acknowledge, and needs no state (its inputs are over). Pending
  //! checkpoints stop waiting for it; those complete because of that start completing (returned when they
  //! finished at once, as acknowledge()).
  std::vector<CompletedCheckpoint> task_finished(int attempt, int vertex, int subtask, int64_t now_ms);
  //! Aborts a pending checkpoint. Returns false when it was not pending or is completing (every task
  //! acknowledged it: it completes or fails by its I/O step).
  bool abort(int64_t id, const std::string& reason, int64_t now_ms);
  //! Aborts everything pending but the completing ones (a restart, the job ending).
  std::vector<int64_t> abort_all(const std::string& reason, int64_t now_ms);
  //! Ids of pending checkpoints older than the timeout.
  std::vector<int64_t> timed_out(int64_t now_ms) const;
  //! Consecutive failures beyond the tolerable number?
  bool failures_exceed_tolerance() const { return consecutive_failures_ > s_.tolerable_failures; }
  const std::string& last_failure() const { return last_failure_; }
  //! The job (re)starts from this checkpoint or savepoint: counted in the statistics.
  void on_restored(int64_t id, const std::string& path, bool savepoint, int64_t now_ms) {
    ++stats_.restored;
    stats_.latest_restored = CheckpointStats::Restored{id, now_ms, savepoint, path};
  }
  //! Called once the job has ended: deletes checkpoints per the retention setting (an I/O step, after the
  //! completions under way).
  void on_job_end(bool canceled, bool finished);

  std::optional<std::string> latest_checkpoint_path() const;
  //! Completed checkpoints retained, newest last.
  const std::deque<CompletedCheckpoint>& retained() const { return completed_; }
  //! Heap bytes kept for checkpoints: pending ones' handles, retained ones' records, the shared-state
  //! registry's file names. Handles, not state: it does not grow with the state's size (tests check).
  uint64_t memory_bytes() const;
  const CheckpointStats& stats() const { return stats_; }
  bool is_pending(int64_t id) const { return pending_.count(id) > 0; }
  //! A savepoint's outcome, for whoever waits on it.
  void on_savepoint(int64_t id, std::function<void(const std::string& path, const std::string& error)> cb) {
    savepoint_waiters_[id] = std::move(cb);
  }

 private:
  struct Pending {
    int attempt = 0;
    int expected = 0;
    bool savepoint = false;
    std::string dir;
    bool keep_files = false;  // its completion's outcome is unknown: an abort leaves its files
    bool completing = false;  // every task acknowledged; its completion step is queued or under way
    int64_t acked_ms = 0;     // when the last acknowledgement arrived
    int64_t started_ms = 0;
    std::set<std::pair<int, int>> acked;
    std::vector<checkpoint::TaskStateHandle> handles;
    CompletedCheckpoint stats;
  };
  //! The last acknowledgement arrived: posts the completion step.
  std::optional<CompletedCheckpoint> start_completion(int64_t id, int64_t now_ms);
  IoLane::Io prepare_completion(int64_t id, std::shared_ptr<std::vector<std::string>> refs);
  void finish_completion(int64_t id, std::exception_ptr error, std::vector<std::string> refs);
  //! Deletes `dir` (and the shared files given) on the lane.
  void discard_async(std::string dir, std::vector<std::string> shared_files = {});
  //! complete() threw: writing the metadata or adding the checkpoint to the HA store failed.
  void abort_incomplete(int64_t id, const std::string& why, int64_t now_ms);

  std::string job_id_;
  std::shared_ptr<const graph::JobGraph> jg_;
  CheckpointSettings s_;
  checkpoint::CheckpointStorage storage_;
  //! References of retained checkpoints to incremental (shared) state files.
  checkpoint::SharedStateRegistry shared_state_;
  CheckpointHaHooks ha_;
  int64_t next_id_ = 1;
  std::deque<int64_t> reserved_ids_;  // HA: ids from ZooKeeper's counter not used yet, oldest first
  bool reserving_ = false;            // HA: a reservation step is queued or under way
  std::vector<std::function<void(const std::string&)>> reservation_waiters_;
  int64_t last_completion_ms_ = INT64_MIN / 2;
  int consecutive_failures_ = 0;
  std::string last_failure_;
  std::map<int64_t, Pending> pending_;
  std::deque<CompletedCheckpoint> completed_;
  std::map<int64_t, std::function<void(const std::string&, const std::string&)>> savepoint_waiters_;
  CheckpointStats stats_;
  IoLane own_lane_;  // no executor: steps run in the caller
  IoLane* lane_ = &own_lane_;
  std::function<void(const CompletedCheckpoint&)> on_completed_;
  std::vector<CompletedCheckpoint> just_completed_;  // completions finished inside the current call
};

}  // namespace weir::cluster
