#pragma once
// What the heap backend's incremental checkpoints ask of its states (heap_incremental_snapshot.h):
// track the changes made since the last snapshot and hand them out as a point-in-time view.
//
// Threading: task thread, except StateChanges::write_key_group (the snapshot writer thread).
#include <memory>
#include <string_view>

#include "weir/common/key_group.h"
#include "weir/state/keyed_state_file.h"

namespace weir::state {

//! A state's changes since its previous StateChanges (or all of its entries), pinned on the task thread
//! and written later on the snapshot writer thread while the state goes on changing.
class StateChanges {
 public:
  virtual ~StateChanges() = default;
  //! Writes key group `kg`'s removed keys (a kRemovals record) and then its changed entries (kValue
  //! records: bytes composite key | bytes entry) as records of state `name`.
  virtual void write_key_group(KeyGroup kg, std::string_view name, KeyedStateFileWriter& out) const = 0;
};

//! Implemented by the heap backend's states.
class ChangeTrackedState {
 public:
  virtual ~ChangeTrackedState() = default;
  //! Starts (or restarts) tracking with every entry counted as written already.
  virtual void track_changes() = 0;
  //! The changes since the previous call (or since track_changes), or every entry with `all`.
  //! O(key groups). REQUIRES: tracking.
  virtual std::unique_ptr<StateChanges> pin_changes(bool all) = 0;
};

}  // namespace weir::state
