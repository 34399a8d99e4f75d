#include "weir/fs/local_file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

namespace stdfs = std::filesystem;

namespace weir::fs {

namespace {

[[noreturn]] void fail(std::string_view op, const std::string& path, int err) {
  if (err == ENOENT) throw FileNotFoundError(fmt::format("cannot {} '{}': no such file", op, path));
  throw FileSystemError(fmt::format("cannot {} '{}': {}", op, path, std::strerror(err)));
}

void write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::string temp_name(const std::string& target) {
  static std::atomic<uint64_t> counter{0};
  stdfs::path p(target);
  return (p.parent_path() /
          fmt::format(".{}.{}-{}.inprogress", p.filename().string(), ::getpid(), counter.fetch_add(1)))
      .string();
}

class LocalOutputStream final : public OutputStream {
 public:
  LocalOutputStream(std::string target, WriteMode mode) : target_(std::move(target)), mode_(mode) {
    std::error_code ec;
    stdfs::create_directories(stdfs::path(target_).parent_path(), ec);
    if (ec)
      throw FileSystemError(fmt::format("cannot create the directory of '{}': {}", target_, ec.message()));
    tmp_ = temp_name(target_);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("create", tmp_, errno);
  }
  ~LocalOutputStream() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
  void write(std::string_view bytes) override {
    if (fd_ < 0) throw FileSystemError(fmt::format("write to '{}' after commit or failure", target_));
    write_all(fd_, bytes, tmp_);
    pos_ += bytes.size();
  }
  void commit() override {
    if (fd_ < 0) throw FileSystemError(fmt::format("'{}' committed twice or after a failure", target_));
    int fd = std::exchange(fd_, -1);
    if (::fsync(fd) != 0) {
      int err = errno;
      ::close(fd);
      fail("sync", tmp_, err);
    }
    if (::close(fd) != 0) fail("close", tmp_, errno);
    if (mode_ == WriteMode::kNoOverwrite) {
      // link(2) fails with EEXIST when the target exists: the local form of a conditional put.
      if (::link(tmp_.c_str(), target_.c_str()) != 0) {
        if (errno == EEXIST) throw FileExistsError(fmt::format("'{}' exists already", target_));
        fail("create", target_, errno);
      }
      ::unlink(tmp_.c_str());
    } else if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
      fail("rename into", target_, errno);
    }
    committed_ = true;
    sync_directory(stdfs::path(target_).parent_path().string());
  }
  uint64_t pos() const override { return pos_; }

 private:
  std::string target_;
  std::string tmp_;
  WriteMode mode_;
  int fd_ = -1;
  uint64_t pos_ = 0;
  bool committed_ = false;
};

class Fd {
 public:
  explicit Fd(const std::string& path, std::string_view op)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) fail(op, path, errno);
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string pread_all(const Fd& fd, uint64_t offset, uint64_t length, const std::string& path) {
  std::string out;
  out.resize(length);
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd.get(), out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", path, errno);
    }
    if (n == 0) break;
    done += static_cast<uint64_t>(n);
  }
  out.resize(done);
  return out;
}

}  // namespace

void sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some file systems (e.g. some FUSE mounts) do not support fsync on a directory.
  if (rc != 0 && err != EINVAL && err != ENOTSUP) fail("sync directory", dir, err);
}

std::unique_ptr<OutputStream> LocalFileSystem::create(const Path& path, WriteMode mode) {
  return std::make_unique<LocalOutputStream>(path.key(), mode);
}

std::string LocalFileSystem::read(const Path& path) {
  Fd fd(path.key(), "read");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("stat", path.key(), errno);
  if (S_ISDIR(st.st_mode)) throw FileSystemError(fmt::format("cannot read '{}': a directory", path.key()));
  return pread_all(fd, 0, static_cast<uint64_t>(st.st_size), path.key());
}

std::string LocalFileSystem::read_range(const Path& path, uint64_t offset, uint64_t length) {
  Fd fd(path.key(), "read");
  return pread_all(fd, offset, length, path.key());
}

std::optional<FileStatus> LocalFileSystem::stat(const Path& path) {
  struct stat st {};
  if (::stat(path.key().c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("stat", path.key(), errno);
  }
  return FileStatus{path, S_ISDIR(st.st_mode) ? 0 : static_cast<uint64_t>(st.st_size), S_ISDIR(st.st_mode)};
}

std::vector<FileStatus> LocalFileSystem::list(const Path& dir) {
  std::vector<FileStatus> out;
  std::error_code ec;
  stdfs::directory_iterator it(dir.key(), ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return out;
    throw FileSystemError(fmt::format("cannot list '{}': {}", dir.key(), ec.message()));
  }
  for (const auto& e : it) {
    std::string name = e.path().filename().string();
    std::error_code ec2;
    bool is_dir = e.is_directory(ec2);
    uint64_t size = is_dir ? 0 : e.file_size(ec2);
    if (ec2) continue;  // removed while listing
    out.push_back({dir / name, size, is_dir});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path.key() < b.path.key(); });
  return out;
}

void LocalFileSystem::remove(const Path& path) {
  if (::unlink(path.key().c_str()) != 0 && errno != ENOENT) fail("remove", path.key(), errno);
}

void LocalFileSystem::remove_all(const Path& dir) {
  std::error_code ec;
  stdfs::remove_all(dir.key(), ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw FileSystemError(fmt::format("cannot remove '{}': {}", dir.key(), ec.message()));
}

void LocalFileSystem::mkdirs(const Path& dir) {
  std::error_code ec;
  stdfs::create_directories(dir.key(), ec);
  if (ec) throw FileSystemError(fmt::format("cannot create directory '{}': {}", dir.key(), ec.message()));
}

void LocalFileSystem::download(const Path& path, const std::string& local) {
  if (path.key() == local) return;
  std::error_code ec;
  stdfs::copy_file(path.key(), local, stdfs::copy_options::overwrite_existing, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory && !stdfs::exists(path.key()))
      throw FileNotFoundError(fmt::format("cannot read '{}': no such file", path.key()));
    throw FileSystemError(fmt::format("cannot copy '{}' to '{}': {}", path.key(), local, ec.message()));
  }
}

void LocalFileSystem::upload(const std::string& local, const Path& path, WriteMode mode) {
  if (path.key() == local) return;
  FileSystem::upload(local, path, mode);
}

}  // namespace weir::fs
