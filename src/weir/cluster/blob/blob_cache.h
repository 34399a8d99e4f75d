#pragma once
// A TaskManager's copies of blobs from the JobManager's blob store: get(key) downloads a blob once into
// this cache's directory, checks that its bytes hash to the key, and returns the local path (what
// JobLibrary::load opens). A cached file is checked again on every get, so one corrupted on disk is
// detected and fetched again; a download whose bytes do not match the key is a BlobCorruptError naming
// the key, and nothing is stored.
//
// Threading: get may be called from any thread; calls are serialized by one mutex (downloads are rare and
// a second caller of the same key must wait for the first download anyway).
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

#include "weir/cluster/blob/blob_client.h"
#include "weir/cluster/blob/blob_key.h"
#include "weir/common/config.h"

namespace weir::cluster::blob {

class BlobCache {
 public:
  //! Downloads from the BlobService at `job_manager_address` (HOST:PORT) into `blobCache-<random>` under
  //! blob.storage.directory (default: the system temp directory), removed when the cache is destroyed.
  BlobCache(std::string job_manager_address, const Configuration& conf);
  //! Uses `dir` as it is (created if missing) and keeps it.
  BlobCache(std::string job_manager_address, std::filesystem::path dir);
  ~BlobCache();
  BlobCache(const BlobCache&) = delete;
  BlobCache& operator=(const BlobCache&) = delete;

  //! The local file of `key`, downloaded if missing or corrupt. Throws BlobNotFoundError (unknown key),
  //! BlobCorruptError (the download does not match the key) or WeirError naming the path (disk full,
  //! permission denied) or the address (unreachable).
  std::filesystem::path get(const BlobKey& key);

  const std::filesystem::path& directory() const { return dir_; }
  //! Downloads done so far (tests: a key is fetched once).
  int64_t downloads() const;

 private:
  BlobClient client_;
  std::filesystem::path dir_;
  bool owned_ = false;
  mutable std::mutex mu_;
  int64_t downloads_ = 0;  // REQUIRES: mu_ held
};

}  // namespace weir::cluster::blob
