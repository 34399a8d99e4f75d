#pragma once
// The file layout of checkpoints and savepoints:
//   <dir>/<job-id>/chk-<n>/_metadata          written last: temp name, fsync, rename
//   <dir>/<job-id>/chk-<n>/<vertex>-<subtask> one file per subtask (task snapshot, CRC-32C trailer)
//   <dir>/<job-id>/shared/                    reserved for incremental state
// A savepoint directory has the same shape without the job level. A checkpoint exists only once its
// _metadata exists; files are relative to the metadata's directory, so a savepoint can be moved.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/checkpoint/operator_snapshot.h"

namespace weir::checkpoint {

struct VertexInfo {
  int vertex = 0;
  std::string name;
  int parallelism = 1;
  int max_parallelism = 128;
  std::vector<std::string> operator_ids;
};

struct TaskStateHandle {
  int vertex = 0;
  int subtask = 0;
  std::string file;  //!< relative to the checkpoint directory
  uint64_t size = 0;
};

struct CheckpointMetadata {
  std::string job_id;
  int64_t checkpoint_id = 0;
  int64_t timestamp = 0;
  bool savepoint = false;
  std::vector<VertexInfo> vertices;
  std::vector<TaskStateHandle> tasks;
};

//! A completed checkpoint read back from storage: its metadata and every task snapshot, verified.
struct RestoredCheckpoint {
  std::string path;
  CheckpointMetadata metadata;
  std::vector<TaskSnapshot> tasks;
  //! Snapshots of operator `id` from every old subtask (empty when the checkpoint has none).
  OperatorRestore for_operator(const std::string& id) const;
};

//! Writes a file so that it is either absent or complete: temp name, fsync, rename, fsync of the dir.
void write_file_durably(const std::string& path, std::string_view bytes);
std::string read_file(const std::string& path);

std::string encode_metadata(const CheckpointMetadata& m);
CheckpointMetadata decode_metadata(std::string_view bytes, const std::string& what);

class CheckpointStorage {
 public:
  CheckpointStorage(std::string base_dir, std::string job_id);
  const std::string& job_dir() const { return job_dir_; }
  std::string checkpoint_dir(int64_t id) const;
  //! Writes a task's snapshot for checkpoint `id`; returns its handle.
  TaskStateHandle write_task_state(const std::string& dir, int vertex, int subtask,
                                   std::string_view bytes) const;
  void write_metadata(const std::string& dir, const CheckpointMetadata& m) const;
  void discard(const std::string& dir) const;

 private:
  std::string job_dir_;
};

//! Reads and verifies a checkpoint or savepoint directory (or its _metadata file).
RestoredCheckpoint load_checkpoint(const std::string& path);
//! The newest complete, readable checkpoint under a job directory. Unreadable ones are skipped and
//! `why` receives one line per skipped checkpoint saying why.
std::optional<RestoredCheckpoint> latest_valid_checkpoint(const std::string& job_dir,
                                                          std::vector<std::string>* why);

}  // namespace weir::checkpoint
