#pragma once
// Configuration of the blob store, with Flink's key name.
#include <filesystem>
#include <string_view>

#include "weir/common/config.h"

namespace weir::options {
//! blob.storage.directory: the parent directory of the JobManager's blob store and each TaskManager's blob
//! cache (each makes its own `blobStore-<random>` / `blobCache-<random>` inside, as Flink does); empty:
//! the system temp directory, which is also Flink's default for a process's working directory (io.tmp.dirs);
//! a directory in the current one would be left behind in a source tree by a killed process.
extern const ConfigOption<std::string> kBlobStorageDirectory;
//! blob.service.cleanup.interval (Flink's key, in seconds): how long a TaskManager keeps a cached blob that
//! no job running there uses any more (its jobs were released) before deleting the file.
extern const ConfigOption<int64_t> kBlobCleanupInterval;
//! blob.server.max-upload-size (Weir's key; Flink's blob server has no bound): the largest file the
//! JobManager's BlobService accepts in one upload (a bound per upload, not on the store as a whole).
extern const ConfigOption<int64_t> kBlobMaxUploadSize;
}  // namespace weir::options

namespace weir::cluster::blob {

//! Creates the local directory `<blob.storage.directory>/<prefix>-<random>` (the system temp directory
//! instead when the key is empty or names an object store); throws WeirError naming the path when it
//! cannot (permission denied, not a directory, disk full).
std::filesystem::path create_blob_directory(const Configuration& conf, std::string_view prefix);

//! Creates `dir` (and parents) if missing; throws WeirError naming it when that fails or it is not a
//! writable directory.
void ensure_blob_directory(const std::filesystem::path& dir);

}  // namespace weir::cluster::blob
