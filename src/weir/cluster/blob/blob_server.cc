#include "weir/cluster/blob/blob_server.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "weir/cluster/blob/blob_error.h"
#include "weir/cluster/blob/blob_options.h"

namespace weir::cluster::blob {

BlobServer::BlobServer(const Configuration& conf)
    : dir_(create_blob_directory(conf, "blobStore")), owned_(true) {}

BlobServer::BlobServer(std::filesystem::path dir) : dir_(std::move(dir)) {
  ensure_blob_directory(dir_);
}

BlobServer::~BlobServer() {
  if (!owned_) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<BlobWriter> BlobServer::begin_put() const {
  return std::make_unique<BlobWriter>(dir_);
}

BlobKey BlobServer::put(std::string_view bytes) {
  BlobWriter w(dir_);
  w.write(bytes);
  return w.commit();
}

BlobKey BlobServer::put_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw WeirError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  BlobWriter w(dir_);
  std::vector<char> buf(kBlobChunkBytes);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    w.write(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw WeirError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  return w.commit();
}

bool BlobServer::contains(const BlobKey& key) const {
  std::error_code ec;
  return std::filesystem::is_regular_file(dir_ / key.hex(), ec);
}

std::filesystem::path BlobServer::path_of(const BlobKey& key) const {
  if (!contains(key))
    throw BlobNotFoundError(
        fmt::format("unknown blob key {} (not in the blob store {})", key.hex(), dir_.string()));
  return dir_ / key.hex();
}

void BlobServer::remove(const BlobKey& key) {
  std::error_code ec;
  std::filesystem::remove(dir_ / key.hex(), ec);
}

}  // namespace weir::cluster::blob
