#include "weir/fs/s3/s3_file_system.h"

namespace weir::fs {

std::shared_ptr<FileSystem> make_s3_file_system(const Configuration& /*config*/) {
  throw FileSystemError("s3:// is not supported yet");
}

}  // namespace weir::fs
