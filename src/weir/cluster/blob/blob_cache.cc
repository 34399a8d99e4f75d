#include "weir/cluster/blob/blob_cache.h"

#include <fmt/format.h>

#include "weir/cluster/blob/blob_error.h"
#include "weir/cluster/blob/blob_options.h"
#include "weir/cluster/blob/blob_writer.h"
#include "weir/cluster/blob/sha256.h"

namespace weir::cluster::blob {

BlobCache::BlobCache(std::string job_manager_address, const Configuration& conf)
    : client_(std::move(job_manager_address)),
      dir_(create_blob_directory(conf, "blobCache")),
      owned_(true),
      cleanup_interval_(std::chrono::seconds(conf.get_int(options::kBlobCleanupInterval))) {}

BlobCache::BlobCache(std::string job_manager_address, std::filesystem::path dir,
                     std::chrono::milliseconds cleanup_interval)
    : client_(std::move(job_manager_address)), dir_(std::move(dir)), cleanup_interval_(cleanup_interval) {
  ensure_blob_directory(dir_);
}

BlobCache::~BlobCache() {
  if (!owned_) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int64_t BlobCache::downloads() const {
  std::lock_guard lock(mu_);
  return downloads_;
}

std::set<std::string> BlobCache::jobs() const {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [key, jobs] : users_) out.insert(jobs.begin(), jobs.end());
  return out;
}

void BlobCache::release_job(const std::string& job) {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  for (auto it = users_.begin(); it != users_.end();) {
    if (it->second.erase(job) && it->second.empty()) {
      unused_since_[it->first] = now;
      it = users_.erase(it);
    } else {
      ++it;
    }
  }
  sweep_locked(now);
}

void BlobCache::sweep() {
  // Never waits for a download (a heartbeat calls this): a busy cache is swept by the next call.
  std::unique_lock lock(mu_, std::try_to_lock);
  if (lock.owns_lock()) sweep_locked(Clock::now());
}

void BlobCache::sweep_locked(Clock::time_point now) {
  for (auto it = unused_since_.begin(); it != unused_since_.end();) {
    if (now - it->second < cleanup_interval_) {
      ++it;
      continue;
    }
    std::error_code ec;
    std::filesystem::remove(dir_ / it->first, ec);  // a failure leaves a file the destructor removes
    it = unused_since_.erase(it);
  }
}

std::filesystem::path BlobCache::get(const BlobKey& key, const std::string& job) {
  std::lock_guard lock(mu_);
  sweep_locked(Clock::now());
  if (!job.empty()) {
    // Used again before its interval ran out: kept. Counted before the download, so that a failed one
    // leaves a user that the job's release takes away again.
    unused_since_.erase(key.hex());
    users_[key.hex()].insert(job);
  }
  std::filesystem::path path = dir_ / key.hex();
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    if (Sha256::of_file(path) == key) return path;
    // Corrupted on disk: drop it and fetch again (a library already loaded from the old file keeps its
    // mapping).
    std::filesystem::remove(path, ec);
  }
  BlobWriter writer(fs::Path::parse(dir_.string()), key, dir_);
  client_.get(key, writer);
  ++downloads_;
  try {
    writer.commit();
  } catch (const BlobCorruptError& e) {
    throw BlobCorruptError(fmt::format("download of blob {} from {} into {} is corrupt: {}", key.hex(),
                                       client_.address(), dir_.string(), e.what()));
  }
  return path;
}

}  // namespace weir::cluster::blob
