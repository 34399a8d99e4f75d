#pragma once
// What one operator subtask contributes to a checkpoint, in the canonical (backend-independent)
// format. Keyed state is kept per key group so that a restore at another parallelism can pick the
// key groups of each new subtask; operator list state is kept per element so it can be split.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "weir/checkpoint/state_handle.h"
#include "weir/common/key_group.h"

namespace weir::checkpoint {

//! The entry of OperatorSnapshot::keyed that holds a native keyed-state snapshot handle.
inline constexpr KeyGroup kNativeKeyedState = -1;

struct OperatorSnapshot {
  int64_t checkpoint_id = 0;  //!< not stored: set for the operators while they snapshot
  bool savepoint = false;     //!< not stored: a savepoint (always canonical) is being taken
  std::string target_dir;     //!< not stored: the directory of this checkpoint or savepoint
  //! Not stored: where the snapshot was read from (load_checkpoint); files it names are relative to it.
  std::string source_dir;
  //! Not stored: the asynchronous part of this operator's snapshot (e.g. uploading the new SST files
  //! of an incremental RocksDB checkpoint), run on the task's snapshot writer thread before encoding.
  std::function<void()> finish_async;
  std::string operator_id;  //!< the operator's uid, or a stable id derived from the graph
  int subtask = 0;
  int parallelism = 1;
  //! Per key group: keyed state of every state (KeyedStateBackend::snapshot_key_group) then timers.
  //! Key group kNativeKeyedState (-1) holds a backend's native snapshot handle instead (incremental
  //! RocksDB checkpoints); every restoring subtask reads it, whatever its range.
  std::map<KeyGroup, std::string> keyed;
  //! Keyed state the backend wrote itself, key group by key group, into this file of the snapshot
  //! directory (state/keyed_state_file.h; RocksDB full checkpoints and savepoints); empty: none. The
  //! per key group entries then carry timers and restored state no state object claimed yet.
  std::string keyed_state_file;
  //! Operator list states: name -> elements (each serialized on its own, so lists can be split).
  std::map<std::string, std::vector<std::string>> list_states;
  //! Broadcast states: name -> (key bytes, value bytes); identical on every subtask.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> broadcast_states;
  //! Source splits not yet finished (each a reader-defined encoding of its position).
  std::vector<std::string> source_splits;
  //! Opaque state of an operator that keeps its own (e.g. a sink's pending files).
  std::string custom;
  //! Unaligned checkpoints, head operator of a task only: per input channel, the framed elements that
  //! were in flight towards this subtask (before the channel's barrier, after the snapshot point).
  //! They are replayed ahead of new input on restore, which needs the same parallelism.
  struct InFlightChannel {
    int gate = 0;     //!< index of the input gate (order of the task's input edges)
    int channel = 0;  //!< channel within the gate (upstream subtask)
    std::string bytes;
  };
  std::vector<InFlightChannel> in_flight;
  bool empty() const {
    return keyed.empty() && keyed_state_file.empty() && list_states.empty() && broadcast_states.empty() &&
           source_splits.empty() && custom.empty() && in_flight.empty();
  }
};

//! One subtask's snapshot: its chained operators.
struct TaskSnapshot {
  int vertex = 0;
  int subtask = 0;
  std::vector<OperatorSnapshot> operators;
};

//! Runs (once) the asynchronous parts of every operator's snapshot. Snapshot writer thread.
inline void finish_async_parts(TaskSnapshot& s) {
  for (auto& op : s.operators)
    if (op.finish_async) std::exchange(op.finish_async, nullptr)();
}

//! A task snapshot file's bytes and its handle (file name not set).
struct EncodedTaskSnapshot {
  std::string bytes;
  TaskStateHandle handle;
};

//! Encodes in format WEIRTS04 (state_handle.h): per operator, its key groups' blocks (each with a
//! CRC-32C), then the head with the rest (CRC-32C), then the head's offset and an end marker.
EncodedTaskSnapshot encode_task_snapshot(const TaskSnapshot& s);
//! Decodes a whole file of any format version and verifies it; throws SerializationError naming
//! `what` on a bad magic, checksum or layout.
TaskSnapshot decode_task_snapshot(std::string_view bytes, const std::string& what);
//! Decodes the head of a WEIRTS04 file (TaskStateHandle::head_offset/head_length): every operator
//! without its key-group blocks; `offsets` receives each operator's key-group offsets.
TaskSnapshot decode_task_head(std::string_view head, uint64_t file_size, const std::string& what,
                              std::vector<KeyGroupOffsets>* offsets);
//! Verifies and adds to `op.keyed` the key-group blocks `bytes`, the file's bytes from
//! offsets.offsets.front() to offsets.offsets.back().
void decode_key_group_blocks(std::string_view bytes, const KeyGroupOffsets& offsets, OperatorSnapshot& op,
                             const std::string& what);

//! Everything restored for one operator: the snapshots of its old subtasks this subtask needs.
struct OperatorRestore {
  std::vector<const OperatorSnapshot*> parts;
  //! The restored checkpoint or savepoint knew the operator, even where `parts` is empty: then every
  //! old subtask whose part this subtask would take had nothing left (a source whose splits all ended,
  //! a task that had finished). Such an operator is restored empty; it does not start over (Flink's
  //! FINISHED_ON_RESTORE). False: the operator is new to the job, and starts as in a fresh run.
  bool in_checkpoint = false;
  //! Restored at all: something to take over, or an operator the checkpoint knew.
  bool restored() const { return in_checkpoint || !parts.empty(); }
};

}  // namespace weir::checkpoint
