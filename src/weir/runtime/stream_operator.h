#pragma once
// The operator contract the task runs. Operators are created per subtask, set up with their
// OperatorRuntime, opened tail-first, fed records and watermarks on the task thread, then finished
// and closed head-first. Watermark handling (minimum over inputs, idle inputs excluded, event-time
// timers) lives here once for every operator.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "weir/checkpoint/operator_snapshot.h"
#include "weir/common/config.h"
#include "weir/common/key_group.h"
#include "weir/runtime/internal_timer_service.h"
#include "weir/runtime/operator_state_store.h"
#include "weir/runtime/output.h"
#include "weir/runtime/processing_time_service.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::runtime {

//! What a task hands each operator it runs.
struct OperatorRuntime {
  std::string name;
  std::string uid;
  std::string operator_id;  //!< identity in checkpoints: the uid, or an id derived from the graph
  std::string task_name;
  std::string job_id;
  int attempt = 0;  //!< restarts of the job so far (0 on the first run)
  int subtask_index = 0;
  int chain_position = 0;  //!< place in the task's chain: 0 for the head, upstream before downstream
  int parallelism = 1;
  int max_parallelism = 128;
  KeyGroupRange key_groups;
  OutputBase* output = nullptr;
  std::unordered_map<std::string, OutputBase*> side_outputs;
  ProcessingTimeService* processing_time = nullptr;
  const Configuration* config = nullptr;
  const std::atomic<bool>* canceled = nullptr;
  //! Wakes the task's thread from any thread: a source whose data arrived while its task waits (without
  //! it, a source task that found nothing polls again after up to 10 ms). Empty where nothing waits.
  std::function<void()> wake_task;
};

class StreamOperator {
 public:
  virtual ~StreamOperator() = default;

  //! The typed input `index` (0 or 1), or null when the operator has no such input.
  virtual InputBase* input(int index) { return nullptr; }
  virtual int num_inputs() const { return 1; }
  //! True for operators that need a keyed-state backend (the task creates one).
  virtual bool is_keyed() const { return false; }

  void setup(OperatorRuntime rt, std::unique_ptr<state::KeyedStateBackend> backend);
  virtual void open() {}
  //! Watermark from input `input`; the operator's own watermark is the minimum over active inputs.
  virtual void process_watermark(Timestamp wm, int input);
  virtual void process_watermark_status(bool idle, int input);
  //! Input `input` has ended (bounded streams).
  virtual void end_input(int input) {}
  //! No more input at all; emit what is pending.
  virtual void finish() {}
  virtual void close() {}

  // ---- checkpoints (task thread) ----
  //! Writes this subtask's state: keyed state and timers of every key group it owns, and its
  //! operator state. Operators with more state (sources, sinks) extend it.
  virtual void snapshot_state(checkpoint::OperatorSnapshot& out);
  //! Restores from the snapshots of the operator's old subtasks (any parallelism): the key groups of
  //! this subtask's range, its share of operator list state, broadcast state. Called before open().
  virtual void initialize_state(const checkpoint::OperatorRestore& restore);
  virtual void notify_checkpoint_complete(int64_t checkpoint_id) {}
  virtual void notify_checkpoint_aborted(int64_t checkpoint_id) {}

  const OperatorRuntime& runtime() const { return rt_; }
  Timestamp current_watermark() const { return current_wm_; }
  state::KeyedStateBackend* keyed_backend() const { return backend_.get(); }
  OperatorStateStore& operator_state() { return op_state_; }

 protected:
  //! Called when the combined watermark advances, before it is forwarded. Fires event-time timers.
  virtual void on_watermark(Timestamp wm) {
    if (timers_) timers_->advance_watermark(wm);
  }
  //! Creates the operator's timer service (keyed operators). `target` receives the timers.
  InternalTimerService* create_timer_service(Triggerable* target);
  InternalTimerService* timers() const { return timers_.get(); }

  OperatorRuntime rt_;

 private:
  //! Keyed state pinned by snapshot_state, written into the snapshot's key group entries by its
  //! finish_async (snapshot writer thread). `entry` points into OperatorSnapshot::keyed: a std::map's
  //! elements keep their address when the map (or the snapshot holding it) is moved.
  struct DeferredKeyedState {
    struct Group {
      KeyGroup key_group;
      std::string* entry;
      std::string timers;  //!< the key group's timers, snapshotted on the task thread
    };
    std::unique_ptr<state::KeyedStateSnapshot> state;
    std::vector<Group> groups;
    void write();
  };
  static_assert(std::is_nothrow_move_constructible_v<checkpoint::OperatorSnapshot>,
                "snapshots are moved, never copied, between snapshot_state and finish_async");

  void advance_combined();
  std::unique_ptr<state::KeyedStateBackend> backend_;
  std::unique_ptr<InternalTimerService> timers_;
  std::map<KeyGroup, std::string> pending_timers_;  // restored before the timer service existed
  OperatorStateStore op_state_;
  Timestamp current_wm_ = kMinTimestamp;
  std::vector<Timestamp> input_wms_;
  std::vector<bool> input_idle_;
  bool emitted_idle_ = false;
};

}  // namespace weir::runtime
