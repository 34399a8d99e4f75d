#pragma once
// The JobManager's blob store (DESIGN.md section 1): job artifacts (C++ job libraries) stored under their
// content address (SHA-256) in one directory, for TaskManagers to download through the BlobService
// (blob_service.h) into their BlobCache. `weir run LIB` uploads a library once; every job and TaskManager
// refers to it by key.
//
// Threading: every method may be called from any thread (gRPC's server threads, the JobManager). The
// directory is the only state: blobs appear by atomic rename, so concurrent puts of the same content are
// harmless and readers never see a partial blob.
#include <filesystem>
#include <memory>
#include <string_view>

#include "weir/cluster/blob/blob_key.h"
#include "weir/cluster/blob/blob_writer.h"
#include "weir/common/config.h"

namespace weir::cluster::blob {

class BlobServer {
 public:
  //! Creates `blobStore-<random>` under blob.storage.directory (default: the system temp directory) and
  //! removes it when destroyed. Throws WeirError naming the path when it cannot be created.
  explicit BlobServer(const Configuration& conf);
  //! Uses `dir` as it is (created if missing) and keeps it when destroyed.
  explicit BlobServer(std::filesystem::path dir);
  ~BlobServer();
  BlobServer(const BlobServer&) = delete;
  BlobServer& operator=(const BlobServer&) = delete;

  const std::filesystem::path& storage_directory() const { return dir_; }

  //! Stores a copy of a local file / bytes and returns its key (the same key for the same content).
  BlobKey put_file(const std::filesystem::path& file);
  BlobKey put(std::string_view bytes);
  //! A writer for a streamed upload (the BlobService's Put); its commit() stores the blob.
  std::unique_ptr<BlobWriter> begin_put() const;

  bool contains(const BlobKey& key) const;
  //! The stored file of `key`; throws BlobNotFoundError naming the key and directory.
  std::filesystem::path path_of(const BlobKey& key) const;
  //! Deletes a blob (no error when absent).
  void remove(const BlobKey& key);

 private:
  std::filesystem::path dir_;
  bool owned_ = false;
};

}  // namespace weir::cluster::blob
