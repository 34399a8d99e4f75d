#include "weir/cluster/blob/blob_writer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "weir/cluster/blob/blob_error.h"

namespace weir::cluster::blob {
namespace {

std::string spool_name() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  return fmt::format(".incoming-{}-{:08x}-{}", ::getpid(), rd(), counter++);
}

}  // namespace

BlobWriter::BlobWriter(fs::Path dir, std::optional<BlobKey> expected, const std::filesystem::path& spool_dir)
    : dir_(std::move(dir)), expected_(std::move(expected)), fs_(fs::get(dir_)) {
  if (expected_) {
    fs::Path target = dir_ / expected_->hex();
    exists_ = fs_->exists(target);
    if (!exists_) out_ = fs_->create(target, fs::WriteMode::kNoOverwrite);
    return;
  }
  spool_ = spool_dir / spool_name();
  file_ = std::fopen(spool_.c_str(), "wb");
  if (file_ == nullptr)
    throw WeirError(fmt::format("cannot create blob file {}: {}", spool_.string(), std::strerror(errno)));
}

BlobWriter::~BlobWriter() {
  if (file_ != nullptr) std::fclose(file_);
  if (!spool_.empty()) {
    std::error_code ec;
    std::filesystem::remove(spool_, ec);
  }
  // An uncommitted out_ discards itself.
}

void BlobWriter::fail_spool(const char* what) {
  int err = errno;
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
  throw WeirError(fmt::format("cannot {} blob file {}: {}", what, spool_.string(), std::strerror(err)));
}

void BlobWriter::write(std::string_view bytes) {
  if (bytes.empty()) return;
  if (out_) {
    out_->write(bytes);
  } else if (file_ != nullptr) {
    errno = 0;
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) fail_spool("write");
  }
  hash_.update(bytes);
  size_ += bytes.size();
}

BlobKey BlobWriter::commit() {
  if (committed_) throw WeirError(fmt::format("blob into {} committed twice", dir_.str()));
  if (file_ != nullptr) {
    // The spool needs no fsync: the fs layer's commit below makes the stored copy durable.
    errno = 0;
    int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) fail_spool("write");
  }
  BlobKey key = hash_.finish();
  if (expected_ && *expected_ != key)
    throw BlobCorruptError(fmt::format("blob content does not match its key: expected {}, got {} ({} bytes)",
                                       expected_->hex(), key.hex(), size_));
  fs::Path target = dir_ / key.hex();
  try {
    if (out_) {
      out_->commit();
    } else if (!exists_ && !fs_->exists(target)) {
      fs_->upload(spool_.string(), target, fs::WriteMode::kNoOverwrite);
    }
  } catch (const fs::FileExistsError&) {
    // Another writer stored the same key first: by content address, the same bytes.
  }
  committed_ = true;
  if (!spool_.empty()) {
    std::error_code ec;
    std::filesystem::remove(std::exchange(spool_, {}), ec);
  }
  return key;
}

}  // namespace weir::cluster::blob
