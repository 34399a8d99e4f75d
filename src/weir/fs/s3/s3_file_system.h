#pragma once
// s3:// paths on Amazon S3 and S3-compatible servers.
#include <memory>

#include "weir/fs/file_system.h"

namespace weir::fs {

//! Builds the S3 file system from the s3.* keys of `config` and the usual AWS environment variables
//! and credential files. Throws FileSystemError naming what is missing or wrong.
std::shared_ptr<FileSystem> make_s3_file_system(const Configuration& config);

}  // namespace weir::fs
