#pragma once
// The file layout of checkpoints and savepoints, on any file system (fs/file_system.h: local paths,
// file://, s3://):
//   <dir>/<job-id>/chk-<n>/_metadata          written last, never replaced: marks the checkpoint complete
//   <dir>/<job-id>/chk-<n>/<vertex>-<subtask> one task snapshot file per subtask (state_handle.h)
//   <dir>/<job-id>/shared/                    files of incremental RocksDB checkpoints
// A savepoint directory has the same shape without the job level. A checkpoint exists only once its
// _metadata exists; files are relative to the metadata's directory, so a savepoint can be moved.
//
// _metadata holds state handles, not state: per subtask its file, the byte range of its head and of
// each key group per operator. The JobManager reads only _metadata (CompletedCheckpoint) and hands each
// new subtask the handles it needs (restore_handles_for); the subtask reads its own share
// (read_task_restore): the heads of the old files and the byte ranges of its key groups.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/checkpoint/operator_snapshot.h"
#include "weir/checkpoint/state_handle.h"

namespace weir::checkpoint {

struct VertexInfo {
  int vertex = 0;
  std::string name;
  int parallelism = 1;
  int max_parallelism = 128;
  std::vector<std::string> operator_ids;
};

struct CheckpointMetadata {
  std::string job_id;
  int64_t checkpoint_id = 0;
  int64_t timestamp = 0;
  bool savepoint = false;
  std::vector<VertexInfo> vertices;
  std::vector<TaskStateHandle> tasks;
};

//! A completed checkpoint or savepoint as the JobManager knows it: where it is and its handles.
struct CompletedCheckpoint {
  std::string path;  //!< its directory (a local path or a URI)
  CheckpointMetadata metadata;
};

//! The state one subtask restores, read from the files its handles name.
struct RestoredCheckpoint {
  std::string path;
  CheckpointMetadata metadata;
  std::vector<TaskSnapshot> tasks;
  uint64_t bytes_read = 0;  //!< what reading it cost (heads, key-group ranges, whole older files)
  //! Snapshots of operator `id` from every old subtask (empty when the checkpoint has none).
  OperatorRestore for_operator(const std::string& id) const;
};

std::string encode_metadata(const CheckpointMetadata& m);
//! One task's handle alone (the JSON object _metadata holds per task), for acknowledgements over RPC.
std::string encode_task_handle(const TaskStateHandle& h);
TaskStateHandle decode_task_handle(std::string_view json, const std::string& what);
//! Decodes and validates (checksum, fields, indices, relative file names inside the directory);
//! throws SerializationError naming `what`.
CheckpointMetadata decode_metadata(std::string_view bytes, const std::string& what);

class CheckpointStorage {
 public:
  CheckpointStorage(std::string base_dir, std::string job_id);
  const std::string& job_dir() const { return job_dir_; }
  std::string checkpoint_dir(int64_t id) const;
  //! Writes a task's snapshot (durably) into checkpoint directory `dir`; returns its handle.
  static TaskStateHandle write_task_state(const std::string& dir, const TaskSnapshot& snapshot);
  //! Writes _metadata last, durably, refusing to replace one (a conditional put on object stores).
  void write_metadata(const std::string& dir, const CheckpointMetadata& m) const;
  //! Removes a checkpoint directory, its _metadata first; reports (does not throw) when it cannot.
  void discard(const std::string& dir) const;

 private:
  std::string job_dir_;
};

//! Reads a checkpoint's or savepoint's _metadata (give its directory or the file) and checks that the
//! files it names exist with their sizes. Reads no state.
CompletedCheckpoint load_checkpoint(const std::string& path);
//! The newest complete, readable checkpoint under a job directory. Unreadable ones are skipped and
//! `why` receives one line per skipped checkpoint saying why.
std::optional<CompletedCheckpoint> latest_valid_checkpoint(const std::string& job_dir,
                                                           std::vector<std::string>* why);

//! The handles a subtask of a vertex running `operator_ids` with key groups `range` needs: the old
//! subtasks' files that hold any of these operators, each operator's key groups cut to `range`.
CompletedCheckpoint restore_handles_for(const CompletedCheckpoint& c,
                                        const std::vector<std::string>& operator_ids,
                                        const KeyGroupRange& range);
//! Reads what `handles` (from restore_handles_for) name: each file's head and its key-group ranges
//! (one ranged read per operator and file); files of older formats whole, keeping `range`'s key groups.
RestoredCheckpoint read_task_restore(const CompletedCheckpoint& handles, const KeyGroupRange& range);

}  // namespace weir::checkpoint
