#pragma once
// Calls to a JobManager's BlobService: upload a file (a client submitting a job library) and download a
// blob (the TaskManager's BlobCache). Each call opens a stream with a deadline; errors name the address,
// the key or the local path.
//
// Threading: a BlobClient may be used from several threads at once (gRPC channels are thread-safe).
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "weir/cluster/blob/blob_key.h"

namespace grpc {
class Channel;
}

namespace weir::cluster::blob {

class BlobWriter;

class BlobClient {
 public:
  //! `address`: HOST:PORT of the JobManager's RPC server. Connecting is lazy; calls fail when unreachable.
  explicit BlobClient(std::string address, std::chrono::milliseconds timeout = std::chrono::minutes(5));

  //! Uploads a local file; returns its key (checked by the server against the hash computed here).
  BlobKey put_file(const std::filesystem::path& file);
  //! Downloads `key` into `out` (not committed: the caller decides). Throws BlobNotFoundError for an unknown
  //! key, WeirError for a broken transfer.
  void get(const BlobKey& key, BlobWriter& out);

  const std::string& address() const { return address_; }

 private:
  std::string address_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace weir::cluster::blob
