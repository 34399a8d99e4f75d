#pragma once
// Writes one blob into a blob directory (any file-system scheme: a local directory or s3://) under its
// content address, through the file-system layer's commit-or-nothing stream (fs/file_system.h), so a
// reader never sees a partial blob under a key and an fsync or upload error fails the commit.
//
// A blob's name is the SHA-256 of its bytes, known only once the last byte is in, and an object store
// cannot rename. So:
//  - With the key expected up front (an upload whose client hashed first, a download into a cache), the
//    bytes stream straight into `dir/<key>` while they are hashed; commit() checks the hash before it
//    commits the stream, and a different hash stores nothing. When the blob exists already the bytes
//    are only hashed (nothing is uploaded twice).
//  - Without it, the bytes are spooled to a hidden temporary file in a local directory while hashed, and
//    commit() puts that file under its key (nothing when the blob exists already).
// Either way the blob is created with WriteMode::kNoOverwrite (a conditional put on S3): the first writer
// of a key wins, and a later one that finds it taken wrote the same bytes, so that is success.
//
// Threading: one writer is used by one thread. Several writers may write the same key at once.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "weir/cluster/blob/blob_key.h"
#include "weir/cluster/blob/sha256.h"
#include "weir/fs/file_system.h"

namespace weir::cluster::blob {

class BlobWriter {
 public:
  //! A blob for the blob directory `dir`. With `expected`, bytes go straight to `dir/<expected>`;
  //! without, to a temporary file in the local directory `spool_dir` (which must exist). Throws
  //! WeirError naming the file when it cannot be created.
  BlobWriter(fs::Path dir, std::optional<BlobKey> expected, const std::filesystem::path& spool_dir);
  //! Discards the blob unless commit() succeeded.
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  void write(std::string_view bytes);
  uint64_t size() const { return size_; }
  //! Makes the blob visible and durable at `dir/<key>` and returns the key. A content hash that differs
  //! from the expected key is a BlobCorruptError naming both keys, and nothing is stored.
  BlobKey commit();

 private:
  [[noreturn]] void fail_spool(const char* what);
  fs::Path dir_;
  std::optional<BlobKey> expected_;
  std::shared_ptr<fs::FileSystem> fs_;
  std::unique_ptr<fs::OutputStream> out_;  // expected key, blob not stored yet
  bool exists_ = false;                    // expected key, blob stored already: only hash
  std::filesystem::path spool_;            // no expected key
  std::FILE* file_ = nullptr;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace weir::cluster::blob
