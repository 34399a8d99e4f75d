#pragma once
// Reference counts of the files in <checkpoint-dir>/<job-id>/shared/ (incremental RocksDB checkpoints).
// A completed checkpoint registers the shared files it references (the `*.shared-refs` lists its tasks
// wrote beside their snapshots); a subsumed or discarded checkpoint releases them, and a file whose
// count drops to zero is deleted. Files from other jobs' directories (a job resumed from another job's
// retained checkpoint) are counted but never deleted: they belong to that job.
//
// Files uploaded by a checkpoint that never completes (aborted, declined, or pending when the JobManager
// failed) are not registered and are never deleted on its account: the task's next checkpoint may build on
// them (a heap chain's next part follows the part the aborted checkpoint wrote; RocksDB does not upload an
// SST file again that is there already). Once a completed checkpoint references one it is counted like any
// other; one that nothing ever references stays until the job's directory is removed.
//
// Threading: REQUIRES the owning JobMaster's lock (used by the CheckpointCoordinator). The JobMaster reads
// the lists (read_shared_refs) and deletes the files (remove_shared_files) on its I/O lane, outside the lock:
// add() and release() only count.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace weir::checkpoint {

//! The shared files the tasks of checkpoint directory `dir` reference (union of its *.shared-refs), as
//! absolute paths (the lists name them relative to the job directory, the parent of `dir`). No lists (a
//! checkpoint without incremental state, or no directory) is no references. Throws WeirError naming the list
//! when one is corrupt (torn, a directory, a line that is no path or holds a control character) and
//! FileSystemError naming it when it cannot be read: the caller then knows nothing of the checkpoint's
//! references and must not delete anything on their account.
std::vector<std::string> read_shared_refs(const std::string& dir);

//! Deletes `files` (what release() returned); a file that cannot be deleted is reported and left. Returns how
//! many were deleted.
size_t remove_shared_files(const std::vector<std::string>& files);

class SharedStateRegistry {
 public:
  //! `shared_dir`: this job's shared directory; only files inside it are ever deleted.
  explicit SharedStateRegistry(std::string shared_dir) : shared_dir_(std::move(shared_dir)) {}
  //! Registers the references of completed checkpoint `id` stored in `dir` (reads its lists).
  void register_checkpoint(int64_t id, const std::string& dir) { add(id, read_shared_refs(dir)); }
  //! Releases checkpoint `id`'s references; deletes the files that nothing references any more.
  //! Returns how many files were deleted.
  size_t release_checkpoint(int64_t id) { return remove_shared_files(release(id)); }
  //! Registers the references of completed checkpoint `id` (read_shared_refs of its directory). No I/O.
  void add(int64_t id, std::vector<std::string> files);
  //! Releases checkpoint `id`'s references; returns the files of this job's shared directory that nothing
  //! references any more, for remove_shared_files. No I/O.
  std::vector<std::string> release(int64_t id);
  //! Files referenced by at least one registered checkpoint.
  size_t num_referenced_files() const { return refs_.size(); }
  //! Heap bytes of the names and counts it keeps (about).
  uint64_t memory_bytes() const {
    uint64_t b = 0;
    for (const auto& [name, n] : refs_) b += sizeof(std::pair<const std::string, int>) + name.capacity() + 32;
    for (const auto& [id, names] : by_checkpoint_) {
      b += sizeof(std::pair<const int64_t, std::vector<std::string>>) + 32;
      for (const auto& name : names) b += sizeof(std::string) + name.capacity();
    }
    return b;
  }

 private:
  std::string shared_dir_;
  std::map<std::string, int> refs_;
  std::map<int64_t, std::vector<std::string>> by_checkpoint_;
};

}  // namespace weir::checkpoint
