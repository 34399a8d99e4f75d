#include "weir/cluster/blob/blob_cache.h"

#include <fmt/format.h>

#include "weir/cluster/blob/blob_error.h"
#include "weir/cluster/blob/blob_options.h"
#include "weir/cluster/blob/blob_writer.h"
#include "weir/cluster/blob/sha256.h"

namespace weir::cluster::blob {

BlobCache::BlobCache(std::string job_manager_address, const Configuration& conf)
    : client_(std::move(job_manager_address)), dir_(create_blob_directory(conf, "blobCache")), owned_(true) {}

BlobCache::BlobCache(std::string job_manager_address, std::filesystem::path dir)
    : client_(std::move(job_manager_address)), dir_(std::move(dir)) {
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

std::filesystem::path BlobCache::get(const BlobKey& key) {
  std::lock_guard lock(mu_);
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
