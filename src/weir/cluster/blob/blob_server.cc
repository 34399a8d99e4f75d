#include "weir/cluster/blob/blob_server.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "weir/cluster/blob/blob_error.h"
#include "weir/cluster/blob/blob_options.h"
#include "weir/fs/file_system.h"

namespace weir::cluster::blob {
namespace {

fs::Path parse_dir(const std::string& dir) {
  try {
    return fs::Path::parse(dir);
  } catch (const WeirError& e) {
    throw WeirError(fmt::format("bad blob directory '{}': {}", dir, e.what()));
  }
}

std::string random_name(std::string_view prefix) {
  std::random_device rd;
  return fmt::format("{}-{:08x}{:08x}", prefix, rd(), rd());
}

}  // namespace

BlobServer::BlobServer(const Configuration& conf) : owned_(true) {
  std::string parent = conf.get_string(options::kBlobStorageDirectory);
  if (!parent.empty() && !parse_dir(parent).is_local()) {
    // An object store: no directory to create; the random name keeps JobManagers apart.
    dir_ = parse_dir(parent) / random_name("blobStore");
  } else {
    dir_ = fs::Path::parse(create_blob_directory(conf, "blobStore").string());
  }
  init_local_dir();
}

BlobServer::BlobServer(const std::string& dir) : dir_(parse_dir(dir)) {
  if (dir_.is_local()) ensure_blob_directory(dir_.key());
  init_local_dir();
}

void BlobServer::init_local_dir() {
  if (dir_.is_local()) {
    local_dir_ = dir_.key();
    return;
  }
  local_dir_ = create_blob_directory(Configuration{}, "blobStore");
  owns_local_dir_ = true;
}

BlobServer::~BlobServer() {
  std::error_code ec;
  if (owns_local_dir_) std::filesystem::remove_all(local_dir_, ec);
  if (!owned_) return;
  try {
    fs::get(dir_)->remove_all(dir_);
  } catch (const std::exception&) {
    // A store left behind is garbage, not an error of the JobManager's shutdown.
  }
}

std::unique_ptr<BlobWriter> BlobServer::begin_put(const std::optional<BlobKey>& expected) const {
  return std::make_unique<BlobWriter>(dir_, expected, local_dir_);
}

BlobKey BlobServer::put(std::string_view bytes) {
  // Hashed first, so the bytes go straight into the store.
  BlobWriter w(dir_, Sha256::of(bytes), local_dir_);
  w.write(bytes);
  return w.commit();
}

BlobKey BlobServer::put_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw WeirError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  // Hashed first, so the bytes go straight into the store (a file that changes meanwhile no longer
  // matches its key: BlobCorruptError, nothing stored).
  BlobWriter w(dir_, Sha256::of_file(file), local_dir_);
  std::vector<char> buf(kBlobChunkBytes);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    w.write(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw WeirError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  return w.commit();
}

bool BlobServer::contains(const BlobKey& key) const {
  auto st = fs::get(dir_)->stat(dir_ / key.hex());
  return st && !st->is_dir;
}

fs::Path BlobServer::path_of(const BlobKey& key) const {
  if (!contains(key))
    throw BlobNotFoundError(
        fmt::format("unknown blob key {} (not in the blob store {})", key.hex(), dir_.str()));
  return dir_ / key.hex();
}

std::filesystem::path BlobServer::local_file(const BlobKey& key) {
  fs::Path stored = path_of(key);
  if (dir_.is_local()) return stored.key();
  std::lock_guard lock(local_mu_);
  std::filesystem::path local = local_dir_ / key.hex();
  std::error_code ec;
  if (std::filesystem::is_regular_file(local, ec)) {
    if (Sha256::of_file(local) == key) return local;
    std::filesystem::remove(local, ec);
  }
  auto fs = fs::get(dir_);
  auto st = fs->stat(stored);
  const uint64_t total = st ? st->size : 0;
  BlobWriter w(fs::Path::parse(local_dir_.string()), key, local_dir_);
  for (uint64_t off = 0; off < total; off += kBlobChunkBytes)
    w.write(fs->read_range(stored, off, kBlobChunkBytes));
  try {
    w.commit();
  } catch (const BlobCorruptError& e) {
    throw BlobCorruptError(
        fmt::format("blob {} in the blob store {} is corrupt: {}", key.hex(), dir_.str(), e.what()));
  }
  return local;
}

void BlobServer::remove(const BlobKey& key) {
  fs::get(dir_)->remove(dir_ / key.hex());
}

}  // namespace weir::cluster::blob
