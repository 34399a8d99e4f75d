#pragma once
// A task's checkpoint barrier handling (Flink's CheckpointBarrierHandler): from the barriers its input
// channels deliver, which checkpoint the task takes and when. What taking one means (the synchronous
// snapshot, the barrier forwarded downstream, the asynchronous write and the acknowledgement) is the
// CheckpointTarget's, the task's SubtaskCheckpointCoordinator part (task_checkpoint.cc).
//
// - Aligned, exactly once: a channel whose barrier came is blocked (its data waits in the input's stash)
//   until every channel's barrier came or the channel ended; then the checkpoint is taken and every
//   channel unblocked. At least once: nothing is blocked; the checkpoint is taken once every barrier came.
//   A newer checkpoint's barrier gives up the one being aligned (the JobManager times it out), and a
//   barrier of a checkpoint older than the one being aligned is ignored.
// - Unaligned: a barrier travels as a priority buffer, which the gate announces on arrival. The handler
//   takes it ahead of the data queued before it: the task snapshots at once and forwards the barrier,
//   and the handler records per channel the elements in flight (those after the read position and before
//   the channel's barrier; a channel whose barrier has not come yet keeps being recorded as it is read
//   until it comes). They are written with the snapshot, and a restore puts them back in front of the
//   channels (TaskInput::restore_in_flight). With execution.checkpointing.aligned-checkpoint-timeout > 0
//   a checkpoint starts aligned and turns unaligned once its barrier has been known for that long.
//   A barrier read after its channel's end of data (the job's final checkpoint) and a savepoint's stay
//   aligned.
// A source task has no input: the JobManager's trigger is its barrier (trigger()).
//
// Threading: the task thread, except the priority flag, which the input gates raise from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/checkpoint/operator_snapshot.h"
#include "weir/cluster/gateways.h"
#include "weir/network/input_gate.h"

namespace weir::cluster {

class TaskInput;

//! What taking a checkpoint does in the task (implemented by Task).
class CheckpointTarget {
 public:
  virtual ~CheckpointTarget() = default;
  //! The synchronous snapshot of the operator chain for `b`, then `b` forwarded downstream (as a
  //! priority buffer when `unaligned`).
  virtual std::shared_ptr<checkpoint::TaskSnapshot> snapshot_and_forward(const CheckpointBarrier& b,
                                                                         bool unaligned) = 0;
  //! Writes `snapshot` asynchronously, then acknowledges checkpoint `b` with `stats`.
  virtual void write_snapshot(std::shared_ptr<checkpoint::TaskSnapshot> snapshot, const CheckpointBarrier& b,
                              CheckpointAck stats) = 0;
  //! Declines checkpoint `id` to the JobManager, saying why.
  virtual void decline_checkpoint(int64_t id, const std::string& reason) = 0;
};

class BarrierHandler {
 public:
  struct Options {
    bool exactly_once = true;  //!< execution.checkpointing.mode (else at least once: no blocking)
    bool unaligned = false;    //!< execution.checkpointing.unaligned (exactly once only)
    std::chrono::milliseconds aligned_timeout{0};  //!< execution.checkpointing.aligned-checkpoint-timeout
  };

  BarrierHandler(TaskInput& input, CheckpointTarget& target) : input_(input), target_(target) {}
  BarrierHandler(const BarrierHandler&) = delete;
  BarrierHandler& operator=(const BarrierHandler&) = delete;

  //! Before the task's input is built.
  void configure(std::string task_name, Options options);
  const Options& options() const { return options_; }
  //! The flag the input gates raise when a priority buffer arrives (null unless unaligned).
  std::atomic<bool>* priority_flag() { return options_.unaligned ? &priority_ : nullptr; }

  //! A source task's checkpoint, triggered by the JobManager: taken now, unless this task already took
  //! or gave up a checkpoint as new.
  void trigger(const CheckpointBarrier& b);
  //! The barrier of checkpoint `b` read from channel `channel`, in stream order.
  void on_barrier(int channel, CheckpointBarrier b);
  //! Channel `channel` sent its end of partition (its state says ended): it no longer holds up a
  //! checkpoint.
  void on_end_of_partition(int channel);
  //! Unaligned: takes a priority barrier that arrived, or turns a checkpoint whose aligned timeout passed
  //! unaligned. Called before each poll and between records.
  void check_priority() {
    if (options_.unaligned && (priority_.load(std::memory_order_acquire) || aligned_timeout_due()))
      handle_priority();
  }
  //! Unaligned: a buffer polled from channel `channel`; recorded when it is in flight for the checkpoint
  //! in progress.
  void on_polled(const network::InputGate::Next& next, int channel) {
    if (unaligned_cp_) record_polled(next, channel);
  }
  //! The newest checkpoint this task took or gave up (-1: none).
  int64_t last_checkpoint() const { return last_checkpoint_; }
  //! The checkpoint being aligned, or -1.
  int64_t aligning() const { return aligning_; }
  //! When a barrier known to the task but still travelling aligned turns its checkpoint unaligned (the
  //! task's waits end by then), if there is one.
  std::optional<std::chrono::steady_clock::time_point> aligned_timeout_deadline() const {
    if (timeout_barrier_ > last_checkpoint_) return timeout_due_;
    return std::nullopt;
  }

 private:
  struct UnalignedCheckpoint {
    CheckpointBarrier barrier;
    std::shared_ptr<checkpoint::TaskSnapshot> snapshot;
    std::vector<std::string> in_flight;  // per channel, framed elements in stream order
    std::vector<bool> done;              // the channel's barrier was taken (or the channel ended)
    CheckpointAck stats;
  };

  //! Snapshot, forward and write checkpoint `b` (aligned, or a source's).
  void take_checkpoint(const CheckpointBarrier& b, int64_t alignment_ms);
  //! A barrier of a checkpoint this task took or gave up, or of one older than the one being aligned.
  bool obsolete(int64_t id) const { return id <= last_checkpoint_ || id < aligning_; }
  void check_alignment_complete();
  bool aligned_timeout_due() const {
    return timeout_barrier_ > last_checkpoint_ && std::chrono::steady_clock::now() >= timeout_due_;
  }
  void handle_priority();
  void start_unaligned(const CheckpointBarrier& b, int consumed_channel);
  void take_queued_barriers(int channel);
  void maybe_complete_unaligned();
  void record_polled(const network::InputGate::Next& next, int channel);

  TaskInput& input_;
  CheckpointTarget& target_;
  std::string name_;
  Options options_;
  int64_t last_checkpoint_ = -1;  // highest checkpoint this task has snapshotted or given up
  // Alignment: the checkpoint being aligned (or -1), its barrier, since when, and which channels'
  // barriers came.
  int64_t aligning_ = -1;
  CheckpointBarrier aligning_barrier_;
  std::chrono::steady_clock::time_point align_start_;
  std::vector<bool> barrier_seen_;
  // Unaligned.
  std::atomic<bool> priority_{false};  // raised by input gates (any thread) when a barrier arrives
  std::optional<UnalignedCheckpoint> unaligned_cp_;
  // A barrier seen but still travelling aligned (aligned-checkpoint-timeout > 0): when it is due.
  int64_t timeout_barrier_ = -1;
  std::chrono::steady_clock::time_point timeout_due_;
};

}  // namespace weir::cluster
