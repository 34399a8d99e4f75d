#pragma once
// State handles: what a completed checkpoint's _metadata says about each subtask's state, so that the
// JobManager never reads state bytes and a restoring subtask reads only what it owns (Flink's
// KeyGroupsStateHandle with its KeyGroupRangeOffsets).
//
// A task snapshot file (format WEIRTS04, operator_snapshot.h) holds first the keyed state of each
// operator, key group by key group (each block followed by its CRC-32C), then the "head": every
// operator's non-keyed state (list, broadcast, source splits, custom, in-flight data, native handles).
// The handle gives the head's byte range and, per operator, the byte offset of each key group's block,
// so a subtask restoring key groups [a, b] reads the head and one contiguous range per old file.
#include <cstdint>
#include <string>
#include <vector>

#include "weir/common/key_group.h"

namespace weir::checkpoint {

//! Byte offsets of consecutive key groups' blocks in a file: key group first + i spans
//! [offsets[i], offsets[i + 1]). Empty: no keyed state in the file.
struct KeyGroupOffsets {
  KeyGroup first = 0;
  std::vector<uint64_t> offsets;  //!< one more than the number of key groups
  bool empty() const { return offsets.size() < 2; }
  KeyGroupRange range() const { return {first, first + static_cast<KeyGroup>(offsets.size()) - 2}; }
  //! The offsets of the key groups of `r` only (empty when they do not overlap).
  KeyGroupOffsets restricted_to(const KeyGroupRange& r) const;
  bool operator==(const KeyGroupOffsets&) const = default;
};

struct OperatorStateHandle {
  std::string operator_id;
  bool has_state = false;      //!< false: the operator contributed nothing (no state to claim)
  KeyGroupOffsets key_groups;  //!< its keyed state's blocks in the task snapshot file
  //! A keyed-state file beside the task snapshot (state/keyed_state_file.h; RocksDB full snapshots),
  //! relative to the checkpoint directory; empty: none. It carries its own key-group index.
  std::string keyed_state_file;
  //! The snapshot holds union list state, which every restoring subtask reads whatever its index (so a
  //! restore at an unchanged parallelism still needs this part of other subtasks' files). Metadata
  //! written before this field existed says nothing, which reads as true.
  bool union_state = false;
  //! Only in the handles of one restore (restore_handles_for): another old subtask's part, kept for its
  //! union list state alone; the rest of it belongs to that subtask, not to the one restoring.
  bool union_only = false;
  bool operator==(const OperatorStateHandle&) const = default;
};

struct TaskStateHandle {
  int vertex = 0;
  int subtask = 0;
  std::string file;  //!< relative to the checkpoint directory
  uint64_t size = 0;
  //! The head's byte range (WEIRTS04). head_length 0: a file of an older format, read whole.
  uint64_t head_offset = 0;
  uint64_t head_length = 0;
  std::vector<OperatorStateHandle> operators;
  bool operator==(const TaskStateHandle&) const = default;
};

//! Heap bytes a handle takes where it is kept (the JobManager's pending checkpoints, a restore's metadata):
//! names and key-group offsets, so a function of the job's shape, never of its state's size.
inline uint64_t memory_bytes(const TaskStateHandle& h) {
  uint64_t b = sizeof(TaskStateHandle) + h.file.capacity();
  for (const auto& op : h.operators)
    b += sizeof(OperatorStateHandle) + op.operator_id.capacity() + op.keyed_state_file.capacity() +
         op.key_groups.offsets.capacity() * sizeof(uint64_t);
  return b;
}

}  // namespace weir::checkpoint
