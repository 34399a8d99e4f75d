#pragma once
// s3:// paths on Amazon S3 and S3-compatible servers, through Apache Arrow's object_store crate (Rust,
// behind the small C ABI of object_store_ffi.h; see README.md for why).
//
// How the contract of file_system.h maps to S3:
//  - A stream buffers one part (s3.upload.min.part.size). A file that stays smaller is one PUT at
//    commit(); a larger one becomes a multipart upload whose parts go up as they fill (up to four at a time)
//    and which completes at commit(). A stream destroyed uncommitted aborts its upload: nothing is visible.
//  - WriteMode::kNoOverwrite is one conditional PUT (If-None-Match: *) at commit(), atomic on the server.
//    object_store completes multipart uploads unconditionally, so such a stream keeps its bytes in
//    memory until commit() (up to 5 GiB, S3's limit for one PUT); it is meant for the small files that
//    mark completion (_metadata), not for state.
//  - stat() is a HEAD, then (for a "directory") a listing of one key below the prefix; list() is
//    ListObjectsV2 with delimiter '/' over every page; remove_all() lists and deletes in batches.
//  - Each bucket's client is built on first use and checks once that the bucket exists and the
//    credentials may list it, so a wrong key or bucket name fails the first call with a clear error.
//  - Retries with exponential backoff (s3.retry.*) happen inside object_store; what is left becomes
//    FileSystemError naming the operation, the path and the endpoint.
// Threading: thread-safe (the bucket clients are shared, behind a mutex); a stream is one thread's.
#include <map>
#include <memory>
#include <mutex>

#include "weir/fs/file_system.h"
#include "weir/fs/s3/s3_options.h"

struct WosStore;

namespace weir::fs {

//! Build with make_s3_file_system (streams keep their file system alive through shared_from_this).
class S3FileSystem final : public FileSystem, public std::enable_shared_from_this<S3FileSystem> {
 public:
  explicit S3FileSystem(s3::S3Settings settings);
  ~S3FileSystem() override;

  std::string_view scheme() const override { return "s3"; }
  std::unique_ptr<OutputStream> create(const Path& path, WriteMode mode = WriteMode::kOverwrite) override;
  std::string read(const Path& path) override;
  std::string read_range(const Path& path, uint64_t offset, uint64_t length) override;
  std::optional<FileStatus> stat(const Path& path) override;
  std::vector<FileStatus> list(const Path& dir) override;
  void remove(const Path& path) override;
  void remove_all(const Path& dir) override;
  void mkdirs(const Path& dir) override {}
  void download(const Path& path, const std::string& local) override;

  const s3::S3Settings& settings() const { return settings_; }

  //! The client of `path`'s bucket, checked once. Throws FileSystemError naming `op` and `path`.
  const WosStore* store(const Path& path, std::string_view op);
  //! Throws the FileSystemError (or subclass) that a WOS_* `code` with `message` means for `op` on `path`.
  [[noreturn]] void fail(int32_t code, const std::string& message, std::string_view op,
                         const Path& path) const;

 private:
  struct Bucket;
  s3::S3Settings settings_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Bucket>, std::less<>> buckets_;  // GUARDED_BY(mu_)
};

//! Builds the S3 file system from the s3.* keys of `config` and the usual AWS environment variables
//! and credential files. Throws FileSystemError naming what is missing or wrong.
std::shared_ptr<FileSystem> make_s3_file_system(const Configuration& config);

}  // namespace weir::fs
