#pragma once
// The address of a blob in the blob store: the SHA-256 of its bytes as 64 lowercase hex digits. Equal
// content has one key, and a downloaded file is checked against its key.
#include <compare>
#include <cstddef>
#include <string>
#include <string_view>

namespace weir::cluster::blob {

class BlobKey {
 public:
  //! Accepts 64 hex digits (either case); throws WeirError naming the text otherwise.
  static BlobKey parse(std::string_view hex);
  //! From a raw 32-byte digest.
  static BlobKey from_digest(const unsigned char* digest, size_t size);

  const std::string& hex() const { return hex_; }
  auto operator<=>(const BlobKey&) const = default;

 private:
  explicit BlobKey(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

//! Chunk size of uploads and downloads (one gRPC message each).
inline constexpr size_t kBlobChunkBytes = 1 << 20;

}  // namespace weir::cluster::blob
