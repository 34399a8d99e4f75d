#pragma once
// The in-memory backend: copy-on-write hash tables per state per key group (heap_states.h). Everything
// it needs is in KeyedStateBackend; its states find their tables through it.
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

class HeapKeyedStateBackend final : public KeyedStateBackend {
 public:
  using KeyedStateBackend::KeyedStateBackend;
  std::string_view kind() const override { return "hashmap"; }
  //! Copy-on-write views of every state (heap_state_table.h): the task thread pauses for
  //! O(states x key groups), the entries are written on the snapshot writer thread.
  std::unique_ptr<KeyedStateSnapshot> pin_snapshot() override { return pin_registered_states(); }
};

}  // namespace weir::state
