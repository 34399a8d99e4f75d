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

class LocalStateStore;

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
  //! Of bytes_read, the heads of other subtasks' files read for their union list state alone
  //! (OperatorStateHandle::union_only): every subtask reads those, its own state aside.
  uint64_t union_bytes_read = 0;
  //! Read from the TaskManager's local copies instead (local recovery; local_state_store.h): bytes, and
  //! the task files so served. bytes_read counts the checkpoint storage only.
  uint64_t local_bytes_read = 0;
  int local_files = 0;
  //! One line per local copy that was there but could not be used (corrupt, another file): read remotely.
  std::vector<std::string> local_fallbacks;
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
  //! Writes a task's snapshot (durably) into checkpoint directory `dir`; returns its handle. `bytes`
  //! (optional) receives the file's bytes once written (for a local copy).
  static TaskStateHandle write_task_state(const std::string& dir, const TaskSnapshot& snapshot,
                                          std::string* bytes = nullptr);
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

//! The subtask a restore is for, when the caller knows it (the JobMaster does).
struct RestoreTarget {
  int subtask = 0;
  int parallelism = 1;
  int max_parallelism = 128;
};

//! The handles a subtask of a vertex running `operator_ids` with key groups `range` needs: the old
//! subtasks' files that hold any of these operators, each operator's key groups cut to `range`.
//! With `target`, an operator whose old vertex had the same parallelism and maximum parallelism keeps
//! only the subtask's own part, plus other subtasks' parts that hold union list state (as Flink assigns
//! state at an unchanged parallelism): a subtask then reads only its own file, which is what lets a
//! local copy of it serve the whole restore (local recovery).
CompletedCheckpoint restore_handles_for(const CompletedCheckpoint& c,
                                        const std::vector<std::string>& operator_ids,
                                        const KeyGroupRange& range, const RestoreTarget* target = nullptr);
//! Reads what `handles` (from restore_handles_for) name: each file's head and its key-group ranges
//! (one ranged read per operator and file); files of older formats whole, keeping `range`'s key groups.
//! With `local`, a file the TaskManager keeps a verified local copy of is read from that copy instead;
//! a copy that is missing, of another file, or fails its checksums is passed over for the remote file.
RestoredCheckpoint read_task_restore(const CompletedCheckpoint& handles, const KeyGroupRange& range,
                                     const LocalStateStore* local = nullptr);

}  // namespace weir::checkpoint
