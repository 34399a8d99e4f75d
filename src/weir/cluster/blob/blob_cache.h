#pragma once
// A TaskManager's copies of blobs from the JobManager's blob store: get(key) downloads a blob once into
// this cache's directory, checks that its bytes hash to the key, and returns the local path (what
// JobLibrary::load opens). A cached file is checked again on every get, so one corrupted on disk is
// detected and fetched again; a download whose bytes do not match the key is a BlobCorruptError naming
// the key, and nothing is stored.
//
//
// Ownership of the files (Flink's PermanentBlobCache): get(key, job) counts `job` as a user of the file;
// release_job(job) ends that. A file no job uses is deleted once it stayed unused for the cleanup interval
// (blob.service.cleanup.interval), checked on every get, release_job and sweep(); a get in between keeps
// it. A job library loaded (dlopen) from a deleted file stays mapped: Linux frees the file's blocks when
// the last mapping goes.
//
// Threading: every method may be called from any thread; calls are serialized by one mutex (downloads are
// rare and a second caller of the same key must wait for the first download anyway).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "weir/cluster/blob/blob_client.h"
#include "weir/cluster/blob/blob_key.h"
#include "weir/common/config.h"

namespace weir::cluster::blob {

class BlobCache {
 public:
  using Clock = std::chrono::steady_clock;

  //! Downloads from the BlobService at `job_manager_address` (HOST:PORT) into `blobCache-<random>` under
  //! blob.storage.directory (default: the system temp directory), removed when the cache is destroyed.
  //! Unused files are deleted after blob.service.cleanup.interval.
  BlobCache(std::string job_manager_address, const Configuration& conf);
  //! Uses `dir` as it is (created if missing) and keeps it; unused files are deleted after
  //! `cleanup_interval`.
  BlobCache(std::string job_manager_address, std::filesystem::path dir,
            std::chrono::milliseconds cleanup_interval = std::chrono::hours(1));
  ~BlobCache();
  BlobCache(const BlobCache&) = delete;
  BlobCache& operator=(const BlobCache&) = delete;

  //! The local file of `key`, downloaded if missing or corrupt. Throws BlobNotFoundError (unknown key),
  //! BlobCorruptError (the download does not match the key) or WeirError naming the path (disk full,
  //! permission denied) or the address (unreachable).
  //! The same, and `job` (a job id; empty: none) uses the file until release_job(job).
  std::filesystem::path get(const BlobKey& key, const std::string& job = {});
  //! `job` uses none of its files any more: those no other job uses are deleted after the cleanup
  //! interval (at once when it is 0).
  void release_job(const std::string& job);
  //! Deletes the files that stayed unused for the cleanup interval (a periodic caller: heartbeats); does
  //! nothing when another call holds the cache (a download), so it never waits.
  void sweep();
  //! The jobs using cached files (tests).
  std::set<std::string> jobs() const;

  const std::filesystem::path& directory() const { return dir_; }
  //! Downloads done so far (tests: a key is fetched once).
  int64_t downloads() const;

 private:
  BlobClient client_;
  std::filesystem::path dir_;
  bool owned_ = false;
  std::chrono::milliseconds cleanup_interval_;
  //! Deletes the unused files whose interval ran out. REQUIRES: mu_ held.
  void sweep_locked(Clock::time_point now);

  mutable std::mutex mu_;
  int64_t downloads_ = 0;                                  // REQUIRES: mu_ held
  std::map<std::string, std::set<std::string>> users_;     // key hex -> jobs using it (REQUIRES: mu_ held)
  std::map<std::string, Clock::time_point> unused_since_;  // key hex -> when its last job let go (mu_)
};

}  // namespace weir::cluster::blob
