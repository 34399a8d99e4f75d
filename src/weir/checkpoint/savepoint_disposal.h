#pragma once
// Disposing of a savepoint (Flink's `flink savepoint --dispose PATH`): deletes the files of a savepoint
// after checking that the path really is one, so a mistyped path never deletes an unrelated directory.
#include <cstdint>
#include <string>

namespace weir::checkpoint {

struct DisposedSavepoint {
  std::string path;          //!< the savepoint directory
  int files = 0;             //!< files deleted, _metadata included
  uint64_t bytes = 0;        //!< their size
  bool removed_dir = false;  //!< false when the directory held other files, which were left alone
};

//! Deletes the savepoint at `path` (its directory or its _metadata file). The path must hold a
//! `_metadata` file that reads back with a valid checksum and says it is a savepoint, and every file it
//! lists must lie inside the directory; otherwise nothing is deleted and a WeirError says why. Only the
//! listed files and `_metadata` (last, so an interrupted disposal can be repeated) are deleted; the
//! directory goes too once it is empty. Retained checkpoints are refused: their job may still use them.
DisposedSavepoint dispose_savepoint(const std::string& path);

}  // namespace weir::checkpoint
