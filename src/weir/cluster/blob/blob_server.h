#pragma once
// The JobManager's blob store (DESIGN.md section 1): job artifacts (C++ job libraries) stored under their
// content address (SHA-256) in one directory of any file-system scheme (a local directory, or s3:// so
// that it can live in the HA storage directory), for TaskManagers to download through the BlobService
// (blob_service.h) into their BlobCache. `weir run LIB` uploads a library once; every job and TaskManager
// refers to it by key. Blobs are written through the fs layer (blob_writer.h).
//
// Threading: every method may be called from any thread (gRPC's server threads, the JobManager). The
// storage directory is the only shared state besides the local copies of remote blobs (local_file(),
// serialized by a mutex): blobs appear by commit-or-nothing writes that never replace one, so concurrent
// puts of the same content are harmless and readers never see a partial blob.
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "weir/cluster/blob/blob_key.h"
#include "weir/cluster/blob/blob_writer.h"
#include "weir/common/config.h"
#include "weir/fs/path.h"

namespace weir::cluster::blob {

class BlobServer {
 public:
  //! Creates `blobStore-<random>` under blob.storage.directory (default: the system temp directory; a
  //! local path or a URI such as s3://bucket/blobs) and removes it when destroyed. Throws WeirError naming
  //! the path when it cannot be created.
  explicit BlobServer(const Configuration& conf);
  //! Uses `dir` (a local path or a URI) as it is (created if missing) and keeps it when destroyed.
  explicit BlobServer(const std::string& dir);
  ~BlobServer();
  BlobServer(const BlobServer&) = delete;
  BlobServer& operator=(const BlobServer&) = delete;

  const fs::Path& storage_directory() const { return dir_; }

  //! Stores a copy of a local file / bytes and returns its key (the same key for the same content).
  BlobKey put_file(const std::filesystem::path& file);
  BlobKey put(std::string_view bytes);
  //! A writer for a streamed upload (the BlobService's Put); its commit() stores the blob. With
  //! `expected` (the client hashed first) the bytes stream straight into the store.
  std::unique_ptr<BlobWriter> begin_put(const std::optional<BlobKey>& expected = std::nullopt) const;

  bool contains(const BlobKey& key) const;
  //! The stored file of `key`; throws BlobNotFoundError naming the key and directory.
  fs::Path path_of(const BlobKey& key) const;
  //! A local file with the blob's bytes (what the JobManager dlopens to plan a job): the stored file
  //! itself in a local store; a copy downloaded once and checked against the key otherwise. Throws
  //! BlobNotFoundError / BlobCorruptError naming the key.
  std::filesystem::path local_file(const BlobKey& key);
  //! Deletes a blob (no error when absent).
  void remove(const BlobKey& key);

 private:
  void init_local_dir();
  fs::Path dir_;
  bool owned_ = false;
  //! Local directory for spooled uploads and for copies of remote blobs: the store itself when local,
  //! else `blobStore-<random>` in the system temp directory (always removed at the end).
  std::filesystem::path local_dir_;
  bool owns_local_dir_ = false;
  std::mutex local_mu_;  // local_file() downloads
};

}  // namespace weir::cluster::blob
