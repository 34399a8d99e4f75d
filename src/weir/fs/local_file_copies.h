#pragma once
// Verified local copies of immutable files of the checkpoint storage (local recovery of shared state):
// a directory on the TaskManager's own disk holding copies of the files a subtask's incremental
// checkpoints share across checkpoints (RocksDB SST files, heap chain files), under their own names,
// each with a sidecar `<name>.crc` giving its size and CRC-32C. A restore on the same TaskManager reads
// a verified copy instead of the remote file; a copy that is missing or fails its check is passed over.
//
// Which copies are still needed is kept by references: each checkpoint's snapshot names the copies it
// needs (`reference`, one `refs-<checkpoint>-<owner>` list per backend instance); once a checkpoint
// completes, older checkpoints' lists are dropped and copies no remaining list names are removed
// (`release_before`). The copies are a cache: never acknowledged, never needed for a checkpoint to
// complete, not flushed to disk (the check catches a torn one).
//
// Threading: one directory is used by one subtask's threads, which do not use it at the same time (the
// task thread restores before processing; the snapshot writer thread adds, references and releases).
// Operations are file-level (write to a temporary name, rename), so a copy is complete or absent.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::fs {

class LocalFileCopies {
 public:
  //! Copies live in `dir` (a local directory, created when needed).
  explicit LocalFileCopies(std::string dir);
  const std::string& dir() const { return dir_; }

  //! Where the copy of `name` is (or goes). `name` is a file name: no '/', not empty, not "." or "..".
  std::string path_of(std::string_view name) const;
  //! The copy name of a file named by a relative or full path ("shared/x-7.sst" -> "x-7.sst").
  static std::string name_of(std::string_view path);

  //! Adds the local file `from` as the copy of `name`: a hard link (a copy across devices), then its
  //! sidecar. Throws WeirError when it cannot.
  void add(const std::string& from, std::string_view name);
  //! Seals a copy written in place at path_of(name): writes its sidecar. Throws WeirError.
  void seal(std::string_view name);
  //! True when `name` has a sealed copy (not verified: find() verifies).
  bool has(std::string_view name) const;
  //! The path of the verified copy of `name`: its size and CRC-32C match its sidecar. nullopt when there
  //! is none; when there is one that fails its check, nullopt with the reason in `why` (and it is removed).
  std::optional<std::string> find(std::string_view name, std::string* why) const;

  //! Checkpoint `checkpoint_id` needs `names` (for `owner`, e.g. a backend instance; file-name safe).
  void reference(int64_t checkpoint_id, std::string_view owner, const std::vector<std::string>& names);
  //! Checkpoint `checkpoint_id` completed: drops older checkpoints' lists and removes the copies no
  //! remaining list names. Never throws.
  void release_before(int64_t checkpoint_id) noexcept;
  //! Checkpoint `checkpoint_id` was aborted: drops its lists, then removes unreferenced copies.
  void release(int64_t checkpoint_id) noexcept;

 private:
  void remove_unreferenced() noexcept;
  std::string dir_;
};

}  // namespace weir::fs
