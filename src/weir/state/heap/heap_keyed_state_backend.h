#pragma once
// The in-memory backend: copy-on-write hash tables per state per key group (heap_states.h). Everything
// it needs is in KeyedStateBackend; its states find their tables through it.
//
// With `execution.checkpointing.incremental: true` its checkpoints are incremental (a Weir departure
// from Flink, whose heap backend always writes everything; see README.md): each checkpoint writes only
// what changed since the previous one, state and timers, into one file of the job's shared/ directory,
// and its handle lists the chain of such files from the last full one. See heap_chain_handle.h.
//
// Threading: task thread; the uploads it hands out run on the task's snapshot writer thread.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "weir/state/heap/heap_timer_store.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

struct HeapBackendOptions {
  bool incremental = false;  //!< execution.checkpointing.incremental
};

class HeapKeyedStateBackend final : public KeyedStateBackend {
 public:
  //! A chain restarts with a full snapshot when it has this many files.
  static constexpr size_t kMaxChainFiles = 32;
  //! ... or when its increments add up to more than its full snapshot (and to at least this much).
  static constexpr uint64_t kMinRebaseBytes = 1 << 20;

  HeapKeyedStateBackend(KeyGroupRange range, int32_t max_parallelism, std::shared_ptr<Clock> clock,
                        HeapBackendOptions opts = {});
  std::string_view kind() const override { return "hashmap"; }
  //! Copy-on-write views of every state (heap_state_table.h): the task thread pauses for
  //! O(states x key groups), the entries are written on the snapshot writer thread.
  std::unique_ptr<KeyedStateSnapshot> pin_snapshot() override { return pin_registered_states(); }

  //! Incremental checkpoints: the timers live here (HeapTimerStore), so checkpoints hold them.
  std::shared_ptr<TimerStore> create_timer_store(const std::string& name) override;
  bool native_snapshots_hold_timers() const override { return opts_.incremental; }
  NativeSnapshot take_native_snapshot(const NativeSnapshotRequest& req) override;
  void restore_native(const std::vector<std::string_view>& handles,
                      const std::string& checkpoint_dir) override;

  //! Files of the current chain (tests): the last is the newest.
  const std::vector<std::string>& chain() const { return chain_; }

 protected:
  void registered(const std::string& name, InternalStateBase& state) override;

 private:
  //! Shared with the uploads: which chain part was written last, and the sizes that decide rebasing.
  struct ChainProgress {
    std::mutex mu;
    uint64_t last_written = 0;  //!< sequence number of the last part written (0: none)
    bool broken = false;        //!< a part failed or was skipped: the next snapshot must be full
    uint64_t base_bytes = 0;
    uint64_t delta_bytes = 0;
  };
  HeapTimerStore& timer_store(const std::string& name);

  HeapBackendOptions opts_;
  std::string instance_id_;
  std::map<std::string, std::shared_ptr<HeapTimerStore>> timers_;
  std::vector<std::string> chain_;  //!< paths relative to the job directory (or full, of another job)
  uint64_t seq_ = 0;                //!< sequence number of the chain's last part
  std::shared_ptr<ChainProgress> progress_ = std::make_shared<ChainProgress>();
};

}  // namespace weir::state
