#include "weir/cluster/blob/blob_writer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "weir/cluster/blob/blob_error.h"
#include "weir/fs/local_file_system.h"

namespace weir::cluster::blob {
namespace {

std::string temp_name() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  return fmt::format(".incoming-{}-{:08x}-{}", ::getpid(), rd(), counter++);
}

}  // namespace

BlobWriter::BlobWriter(const std::filesystem::path& dir) : dir_(dir), tmp_(dir / temp_name()) {
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (file_ == nullptr)
    throw WeirError(fmt::format("cannot create blob file {}: {}", tmp_.string(), std::strerror(errno)));
}

BlobWriter::~BlobWriter() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void BlobWriter::fail(const char* what) {
  int err = errno;
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
  throw WeirError(fmt::format("cannot {} blob file {}: {}", what, tmp_.string(), std::strerror(err)));
}

void BlobWriter::write(std::string_view bytes) {
  if (bytes.empty()) return;
  errno = 0;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) fail("write");
  hash_.update(bytes);
  size_ += bytes.size();
}

BlobKey BlobWriter::commit(const std::optional<BlobKey>& expected) {
  errno = 0;
  if (std::fflush(file_) != 0) fail("write");
  if (::fsync(::fileno(file_)) != 0) fail("sync");
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) fail("close");
  BlobKey key = hash_.finish();
  if (expected && *expected != key)
    throw BlobCorruptError(fmt::format("blob content does not match its key: expected {}, got {} ({} bytes)",
                                       expected->hex(), key.hex(), size_));
  std::filesystem::path target = dir_ / key.hex();
  if (::rename(tmp_.c_str(), target.c_str()) != 0)
    throw WeirError(
        fmt::format("cannot rename {} to {}: {}", tmp_.string(), target.string(), std::strerror(errno)));
  committed_ = true;
  // The rename is durable only once the directory is: an error here fails the put, never passes.
  weir::fs::sync_directory(dir_.string());
  return key;
}

}  // namespace weir::cluster::blob
