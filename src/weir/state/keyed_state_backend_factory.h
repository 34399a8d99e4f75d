#pragma once
// Creates the keyed-state backend that `state.backend.type` names for one keyed operator subtask.
// Bad values of the state.backend.* keys are ConfigErrors naming the key.
#include <memory>
#include <string>

#include "weir/common/config.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

struct KeyedBackendContext {
  KeyGroupRange key_groups;
  int32_t max_parallelism = 128;
  std::shared_ptr<Clock> clock;
  std::string job_id;
  std::string operator_id;
  int subtask = 0;
  //! Operators of one slot share a RocksDB memory budget; subtasks with the same key share a slot.
  std::string slot_key;
  int slots_per_task_manager = 1;
  //! Local recovery (KeyedStateBackend::set_local_recovery): the subtask's local state directory (empty:
  //! none), whether its backends keep local copies of shared files there, and whether restores read them.
  std::string local_state_dir;
  bool local_backup = false;
  bool local_recovery = false;
};

std::unique_ptr<KeyedStateBackend> create_keyed_state_backend(const Configuration& conf,
                                                              const KeyedBackendContext& ctx);

//! Checks the state.backend.* keys without creating anything (job submission).
void validate_state_backend_config(const Configuration& conf);

}  // namespace weir::state
