#pragma once
// The in-memory backend: hash tables per state per key group (heap_states.h). Everything it needs is
// in KeyedStateBackend; its states find their tables through it.
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

class HeapKeyedStateBackend final : public KeyedStateBackend {
 public:
  using KeyedStateBackend::KeyedStateBackend;
  std::string_view kind() const override { return "hashmap"; }
};

}  // namespace weir::state
