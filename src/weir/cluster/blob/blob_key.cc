#include "weir/cluster/blob/blob_key.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::cluster::blob {

BlobKey BlobKey::parse(std::string_view hex) {
  std::string out(hex);
  bool ok = out.size() == 64;
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  if (!ok) throw WeirError(fmt::format("bad blob key '{}': expected 64 hex digits (a SHA-256)", hex));
  return BlobKey(std::move(out));
}

BlobKey BlobKey::from_digest(const unsigned char* digest, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return BlobKey(std::move(out));
}

}  // namespace weir::cluster::blob
