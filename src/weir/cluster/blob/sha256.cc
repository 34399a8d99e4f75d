#include "weir/cluster/blob/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::cluster::blob {

struct Sha256::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1)
    throw WeirError("SHA-256: OpenSSL could not initialize a digest");
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size()) != 1)
    throw WeirError("SHA-256: digest update failed");
}

BlobKey Sha256::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->md, digest, &len) != 1) throw WeirError("SHA-256: digest final failed");
  return BlobKey::from_digest(digest, len);
}

BlobKey Sha256::of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

BlobKey Sha256::of_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WeirError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  Sha256 h;
  std::vector<char> buf(kBlobChunkBytes);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw WeirError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  return h.finish();
}

}  // namespace weir::cluster::blob
