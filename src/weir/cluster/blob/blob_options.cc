#include "weir/cluster/blob/blob_options.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/fs/path.h"

namespace weir::options {
const ConfigOption<std::string> kBlobStorageDirectory{
    {"blob.storage.directory", ConfigType::kString, "",
     "Parent directory of the JobManager's blob store (job libraries) and of each TaskManager's blob cache; "
     "each process makes its own subdirectory and removes it when it stops (empty: the system temp "
     "directory). May be a URI such as s3://bucket/blobs for the JobManager's store (the caches then stay "
     "in the system temp directory)."}};
const ConfigOption<int64_t> kBlobCleanupInterval{
    {"blob.service.cleanup.interval",
     ConfigType::kInt,
     "3600",
     "Seconds a TaskManager keeps a downloaded job library (blob) that no job there uses any more (its jobs "
     "were released) before deleting it from its blob cache; 0: deleted when its last job is released.",
     {},
     0,
     INT64_MAX / 1000}};
const ConfigOption<int64_t> kBlobMaxUploadSize{
    {"blob.server.max-upload-size",
     ConfigType::kMemorySize,
     "100mb",
     "Largest file (a job library) the JobManager's blob service accepts in one upload; a larger upload is "
     "refused and nothing of it is stored (the same default as rest.server.max-content-length).",
     {},
     1,
     INT64_MAX}};
}  // namespace weir::options

namespace weir::cluster::blob {

void ensure_blob_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw WeirError(fmt::format("cannot create blob directory {}: {}", dir.string(), ec.message()));
  if (!std::filesystem::is_directory(dir, ec))
    throw WeirError(fmt::format("blob directory {} is not a directory", dir.string()));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw WeirError(fmt::format("blob directory {} is not writable: {}", dir.string(), std::strerror(errno)));
}

std::filesystem::path create_blob_directory(const Configuration& conf, std::string_view prefix) {
  std::string parent = conf.get_string(options::kBlobStorageDirectory);
  std::filesystem::path base = std::filesystem::temp_directory_path();
  if (!parent.empty()) {
    // A file:// URI is a local directory; an object store (the JobManager's store on s3://) is no place
    // for a local directory: caches and local copies then go to the system temp directory.
    fs::Path p;
    try {
      p = fs::Path::parse(parent);
    } catch (const WeirError& e) {
      throw WeirError(fmt::format("bad blob.storage.directory '{}': {}", parent, e.what()));
    }
    if (p.is_local()) base = p.key();
  }
  ensure_blob_directory(base);
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    auto dir = base / fmt::format("{}-{:08x}{:08x}", prefix, rd(), rd());
    std::error_code ec;
    if (std::filesystem::create_directory(dir, ec)) return dir;
    if (ec) throw WeirError(fmt::format("cannot create blob directory {}: {}", dir.string(), ec.message()));
  }
  throw WeirError(fmt::format("cannot create a blob directory under {}", base.string()));
}

}  // namespace weir::cluster::blob
