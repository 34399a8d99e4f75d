#pragma once
// Errors of the blob store. Other failures (disk full, permission denied, unreachable server) are
// WeirErrors whose message names the path or address.
#include "weir/common/error.h"

namespace weir::cluster::blob {

//! No blob under the key asked for (on the server, or reported by it to a client or cache).
class BlobNotFoundError : public WeirError {
 public:
  using WeirError::WeirError;
};

//! A downloaded blob's bytes do not hash to its key (corrupted in transit or on disk).
class BlobCorruptError : public WeirError {
 public:
  using WeirError::WeirError;
};

}  // namespace weir::cluster::blob
