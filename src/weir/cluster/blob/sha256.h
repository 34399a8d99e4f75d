#pragma once
// Incremental SHA-256 (OpenSSL's libcrypto) that yields a BlobKey.
#include <filesystem>
#include <memory>
#include <string_view>

#include "weir/cluster/blob/blob_key.h"

namespace weir::cluster::blob {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  //! The digest of everything updated so far; the object is spent afterwards.
  BlobKey finish();

  //! The key of a file's bytes; throws WeirError naming the path when it cannot be read.
  static BlobKey of_file(const std::filesystem::path& path);
  static BlobKey of(std::string_view bytes);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace weir::cluster::blob
