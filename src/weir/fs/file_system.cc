#include "weir/fs/file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "weir/common/config.h"
#include "weir/fs/local_file_system.h"
#include "weir/fs/s3/s3_file_system.h"

namespace weir::fs {

namespace {

constexpr uint64_t kCopyChunk = 8 << 20;

struct Registry {
  std::mutex mu;
  Configuration config;
  std::shared_ptr<FileSystem> local = std::make_shared<LocalFileSystem>();
  std::shared_ptr<FileSystem> s3;  // built on first use from `config`
  std::map<std::string, std::shared_ptr<FileSystem>, std::less<>> overrides;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: used by threads that outlive main's statics
  return *r;
}

}  // namespace

void FileSystem::download(const Path& path, const std::string& local) {
  auto st = stat(path);
  if (!st || st->is_dir) throw FileNotFoundError(fmt::format("cannot read '{}': no such file", path.str()));
  auto out = get(Path::parse(local))->create(Path::parse(local), WriteMode::kOverwrite);
  for (uint64_t off = 0; off < st->size; off += kCopyChunk)
    out->write(read_range(path, off, std::min(kCopyChunk, st->size - off)));
  out->commit();
}

void FileSystem::upload(const std::string& local, const Path& path, WriteMode mode) {
  int fd = ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FileSystemError(fmt::format("cannot read '{}': {}", local, std::strerror(errno)));
  try {
    auto out = create(path, mode);
    std::string buf(kCopyChunk, '\0');
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw FileSystemError(fmt::format("cannot read '{}': {}", local, std::strerror(errno)));
      }
      if (n == 0) break;
      out->write(std::string_view(buf.data(), static_cast<size_t>(n)));
    }
    out->commit();
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

void FileSystem::write_file(const Path& path, std::string_view bytes, WriteMode mode) {
  auto out = create(path, mode);
  out->write(bytes);
  out->commit();
}

std::shared_ptr<FileSystem> get(const Path& path) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  if (auto it = r.overrides.find(path.scheme()); it != r.overrides.end()) return it->second;
  if (path.is_local()) return r.local;
  if (path.scheme() == "s3") {
    if (!r.s3) r.s3 = make_s3_file_system(r.config);
    return r.s3;
  }
  throw FileSystemError(fmt::format("no file system for '{}'", path.str()));
}

void configure(const Configuration& config) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  // Only the s3.* keys shape a file system: keep the client (and its connections) when they are the same.
  auto s3_keys = [](const Configuration& c) {
    std::map<std::string, std::string> keys;
    for (const auto& [k, v] : c.values())
      if (k.rfind("s3.", 0) == 0) keys.emplace(k, v);
    return keys;
  };
  if (r.s3 && s3_keys(r.config) == s3_keys(config)) return;
  r.config = config;
  r.s3.reset();
}

void set_for_testing(std::string_view scheme, std::shared_ptr<FileSystem> fs) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  if (fs)
    r.overrides[std::string(scheme)] = std::move(fs);
  else
    r.overrides.erase(std::string(scheme));
}

}  // namespace weir::fs
