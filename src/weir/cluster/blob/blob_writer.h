#pragma once
// Writes one blob into a blob directory under its content address: bytes go to a hidden temporary file
// while their SHA-256 is computed; commit() makes the file durable (fsync), renames it to the key and
// fsyncs the directory, so a reader never sees a partial blob under a key and an error of either fsync
// fails the commit. Used by the BlobServer (uploads) and the BlobCache (downloads, with the key it
// expects). Errors (disk full, permission denied) name the file.
//
// Threading: one writer is used by one thread. Several writers may write the same key at once; the
// rename makes the last one win, and both wrote the same bytes.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string_view>

#include "weir/cluster/blob/blob_key.h"
#include "weir/cluster/blob/sha256.h"

namespace weir::cluster::blob {

class BlobWriter {
 public:
  //! Opens a temporary file in `dir` (which must exist). Throws WeirError naming the file when it cannot.
  explicit BlobWriter(const std::filesystem::path& dir);
  //! Removes the temporary file unless commit() succeeded.
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  void write(std::string_view bytes);
  uint64_t size() const { return size_; }
  //! Durably renames the file to `dir/<key>` and returns the key. With `expected`, a different content
  //! hash is a WeirError naming both keys and nothing is stored.
  BlobKey commit(const std::optional<BlobKey>& expected = std::nullopt);

 private:
  [[noreturn]] void fail(const char* what);
  std::filesystem::path dir_;
  std::filesystem::path tmp_;
  std::FILE* file_ = nullptr;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace weir::cluster::blob
