#pragma once
// Weir's file-system layer (Flink's FileSystem idea): every durable file of a checkpoint, savepoint,
// HA store or blob store goes through a FileSystem chosen by the scheme of its path, so the same code
// writes to a local (or NFS) directory and to an object store.
//
//   /abs/path, file:///abs/path   LocalFileSystem  (local_file_system.h)
//   s3://bucket/key               S3FileSystem     (s3/s3_file_system.h)
//
// Contract every implementation keeps:
//  - create() returns a stream whose bytes become visible at `path` only when commit() returns, all at
//    once and durably (local: temp file, fsync, rename, fsync of the directory; S3: a multipart upload
//    completed at commit). A stream destroyed without commit() leaves nothing behind.
//  - WriteMode::kNoOverwrite makes commit() fail with FileExistsError when `path` exists (S3: a
//    conditional put, If-None-Match: *), for the files that mark completion.
//  - Directories are a naming convention: on object stores they are key prefixes, mkdirs() is a no-op
//    and a "directory" exists while a key below it does.
//  - Transient errors (network, 5xx, throttling) are retried with backoff inside the implementation;
//    what is left is thrown as FileSystemError naming the path and the operation.
//
// Threading: a FileSystem is thread-safe; a stream is used by one thread at a time.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/common/error.h"
#include "weir/fs/path.h"

namespace weir {
class Configuration;
}

namespace weir::fs {

//! An I/O operation on a file system failed (after the retries the file system makes itself).
class FileSystemError : public WeirError {
 public:
  using WeirError::WeirError;
};

//! The file does not exist (read, read_range, open of a missing path).
class FileNotFoundError : public FileSystemError {
 public:
  using FileSystemError::FileSystemError;
};

//! commit() of a WriteMode::kNoOverwrite stream found the path taken.
class FileExistsError : public FileSystemError {
 public:
  using FileSystemError::FileSystemError;
};

enum class WriteMode { kOverwrite, kNoOverwrite };

struct FileStatus {
  Path path;
  uint64_t size = 0;
  bool is_dir = false;
};

//! A file being written. Nothing is visible before commit(); destroying it uncommitted discards it.
class OutputStream {
 public:
  virtual ~OutputStream() = default;
  virtual void write(std::string_view bytes) = 0;
  //! Makes the file visible and durable at its path, atomically. Throws FileSystemError (and
  //! FileExistsError for kNoOverwrite); after a throw nothing is visible and the stream is spent.
  virtual void commit() = 0;
  //! Bytes written so far.
  virtual uint64_t pos() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  //! The scheme this file system serves ("file", "s3").
  virtual std::string_view scheme() const = 0;

  [[nodiscard]] virtual std::unique_ptr<OutputStream> create(const Path& path,
                                                             WriteMode mode = WriteMode::kOverwrite) = 0;
  //! The whole file. FileNotFoundError when absent.
  [[nodiscard]] virtual std::string read(const Path& path) = 0;
  //! `length` bytes from `offset` (fewer only at the end of the file). FileNotFoundError when absent.
  [[nodiscard]] virtual std::string read_range(const Path& path, uint64_t offset, uint64_t length) = 0;
  //! A file's or directory's status, or nullopt when neither exists.
  [[nodiscard]] virtual std::optional<FileStatus> stat(const Path& path) = 0;
  //! The files and directories directly below `dir` (empty when it does not exist), sorted by name.
  [[nodiscard]] virtual std::vector<FileStatus> list(const Path& dir) = 0;
  //! Removes a file; a missing file is not an error.
  virtual void remove(const Path& path) = 0;
  //! Removes a directory and everything below it; a missing directory is not an error.
  virtual void remove_all(const Path& dir) = 0;
  //! Creates a directory and its parents (no-op on object stores).
  virtual void mkdirs(const Path& dir) = 0;

  //! Copies `path` to the local file `local` (created or replaced), streaming.
  virtual void download(const Path& path, const std::string& local);
  //! Copies the local file `local` to `path` (visible when complete), streaming.
  virtual void upload(const std::string& local, const Path& path, WriteMode mode = WriteMode::kOverwrite);

  //! Writes `bytes` to `path` through create() and commit().
  void write_file(const Path& path, std::string_view bytes, WriteMode mode = WriteMode::kOverwrite);
  bool exists(const Path& path) { return stat(path).has_value(); }
};

//! The file system of `path`'s scheme. Throws FileSystemError for a scheme Weir does not know, or
//! s3:// before configure() could build an S3 client (e.g. no credentials).
std::shared_ptr<FileSystem> get(const Path& path);
inline std::shared_ptr<FileSystem> get(std::string_view path) {
  return get(Path::parse(path));
}

//! Applies the s3.* keys of `config` (endpoint, credentials, region, path style); later get() calls use
//! them. Called once per process with its configuration (JobManager, TaskManager, CLI, MiniCluster).
void configure(const Configuration& config);

//! Replaces the file system of a scheme (tests: the fault-injecting file system). Null restores it.
void set_for_testing(std::string_view scheme, std::shared_ptr<FileSystem> fs);

}  // namespace weir::fs
