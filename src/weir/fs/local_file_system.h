#pragma once
// The local file system (also NFS and other POSIX mounts): "/abs/path" and "file:///abs/path".
// Durable commit: the bytes go to a hidden temp file beside the target, which is fsynced, renamed into
// place (kNoOverwrite: link(2), which fails when the target exists) and the directory fsynced.
#include "weir/fs/file_system.h"

namespace weir::fs {

class LocalFileSystem final : public FileSystem {
 public:
  std::string_view scheme() const override { return "file"; }
  std::unique_ptr<OutputStream> create(const Path& path, WriteMode mode = WriteMode::kOverwrite) override;
  std::string read(const Path& path) override;
  std::string read_range(const Path& path, uint64_t offset, uint64_t length) override;
  std::optional<FileStatus> stat(const Path& path) override;
  std::vector<FileStatus> list(const Path& dir) override;
  void remove(const Path& path) override;
  void remove_all(const Path& dir) override;
  void mkdirs(const Path& dir) override;
  void download(const Path& path, const std::string& local) override;
  void upload(const std::string& local, const Path& path, WriteMode mode = WriteMode::kOverwrite) override;
};

//! fsync of a directory, so that a rename or create in it survives a crash. Throws FileSystemError.
void sync_directory(const std::string& dir);

}  // namespace weir::fs
