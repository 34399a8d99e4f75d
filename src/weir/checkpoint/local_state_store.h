#pragma once
// Local recovery (Flink's TaskLocalStateStore and its per-TaskManager manager): a TaskManager keeps a
// copy of the latest snapshots of the subtasks it runs on its own disk, beside the copy in the
// checkpoint storage. A subtask restarted on the same TaskManager restores from the local copy and
// reads nothing from the checkpoint storage; a copy that is missing, of another file or corrupt is
// passed over and the remote file read instead. The checkpoint storage stays the truth: local copies
// are a cache, never acknowledged to the JobManager, never needed for a checkpoint to complete, and not
// flushed to disk (a checksum catches a torn one).
//
// Layout, below one of the root directories (taskmanager.state.local.root-dirs):
//   <root>/<job-id>/<vertex>-<subtask>/chk-<n>/<file>    the task snapshot file, byte for byte
//   <root>/<job-id>/<vertex>-<subtask>/chk-<n>/<name>    keyed-state files beside it (RocksDB full)
//   <root>/<job-id>/<vertex>-<subtask>/chk-<n>/_manifest what the copy is of (written last)
//   <root>/<job-id>/<vertex>-<subtask>/shared/           copies of shared files of incremental
//                                                        checkpoints (fs/local_file_copies.h)
// A copy is built in a temporary directory and renamed into place, so chk-<n> is complete or absent.
// The manifest names the job, the checkpoint and its remote directory, the task's handle, and each
// file's size and CRC-32C.
//
// Threading: thread-safe. Each subtask's copies are written by its task's snapshot writer thread and
// pruned by its task thread; a job's directory is removed only once the job ended (no writer left).
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/checkpoint/state_handle.h"
#include "weir/common/config.h"

namespace weir::checkpoint {

class LocalStateStore {
 public:
  //! `root_dirs`: local directories (created when needed); a subtask's copies go to one of them, picked
  //! by its vertex and subtask. Must not be empty.
  explicit LocalStateStore(std::vector<std::string> root_dirs);
  const std::vector<std::string>& root_dirs() const { return roots_; }

  //! Keeps a copy of a subtask's snapshot of checkpoint `checkpoint_id` of `job`, written to the
  //! checkpoint directory `remote_dir` with handle `handle`: the task file's `bytes`, and each keyed-state
  //! file the handle names, downloaded from `remote_dir`. Never throws: a copy that cannot be made is
  //! reported on stderr and left out (the checkpoint does not depend on it). Returns whether it made one.
  bool store(const std::string& job, int64_t checkpoint_id, const std::string& remote_dir,
             const TaskStateHandle& handle, std::string_view bytes) noexcept;

  //! A local copy, checked against the handle a restore was given.
  struct Copy {
    std::string dir;        //!< the chk-<n> directory
    std::string task_file;  //!< full path of the task snapshot file's copy
  };
  //! The copy of `handle` of checkpoint `checkpoint_id` of `job` (in `remote_dir`), or nullopt. A copy
  //! that exists but does not match (another file, size or checkpoint directory; a bad manifest; a
  //! keyed-state file whose CRC-32C differs) is nullopt with the reason in `why`. The task file's own
  //! checksums (its head and each key group's block) are checked as it is read.
  std::optional<Copy> find(const std::string& job, int64_t checkpoint_id, const std::string& remote_dir,
                           const TaskStateHandle& handle, std::string* why) const;

  //! Checkpoint `checkpoint_id` completed: the subtask's copies of older checkpoints are subsumed and
  //! removed (newer ones, still pending, stay).
  void confirm(const std::string& job, int vertex, int subtask, int64_t checkpoint_id) noexcept;
  //! Checkpoint `checkpoint_id` was aborted: its copy goes.
  void discard(const std::string& job, int vertex, int subtask, int64_t checkpoint_id) noexcept;
  //! The job ended: every copy of it goes.
  void release_job(const std::string& job) noexcept;

  //! The checkpoints the subtask has complete copies of, ascending.
  std::vector<int64_t> checkpoints(const std::string& job, int vertex, int subtask) const;
  //! Where the subtask's copies live.
  std::string subtask_dir(const std::string& job, int vertex, int subtask) const;
  //! Where the subtask's copies of shared files (incremental checkpoints' SST and chain files) live:
  //! a fs::LocalFileCopies directory its state backends fill; confirm() and discard() prune it.
  std::string shared_dir(const std::string& job, int vertex, int subtask) const;

  //! Tests: called with each copy's task file once the copy is in place (e.g. to corrupt it).
  void set_after_store_for_testing(std::function<void(const std::string& task_file)> f) {
    std::lock_guard lock(mu_);
    after_store_ = std::move(f);
  }

  //! Reads `length` bytes at `offset` of a local file, bypassing the file-system layer (local copies
  //! are not checkpoint storage). Throws WeirError when it cannot, or the file is shorter.
  static std::string read_range(const std::string& path, uint64_t offset, uint64_t length);

 private:
  std::vector<std::string> roots_;
  mutable std::mutex mu_;                                // orders directory renames and removals of one store
  std::function<void(const std::string&)> after_store_;  // REQUIRES: mu_ held
};

//! The root directories of local copies from taskmanager.state.local.root-dirs (comma-separated local
//! paths, made absolute), created if missing; when the key is not set, `<temp dir>/weir-local-state`.
//! Throws ConfigError naming the key for an entry that is empty, has a scheme other than file://, or
//! cannot be created. Each TaskManager keeps its copies in a directory of its own below each root.
std::vector<std::string> local_state_root_dirs(const Configuration& conf);

}  // namespace weir::checkpoint
