#include "weir/cluster/blob/blob_service.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "weir/cluster/blob/blob.grpc.pb.h"
#include "weir/cluster/blob/blob_error.h"

namespace weir::cluster::blob {
namespace {

class BlobService final : public weir::rpc::BlobService::Service {
 public:
  explicit BlobService(BlobServer& store) : store_(store) {}

  grpc::Status Put(grpc::ServerContext* ctx, grpc::ServerReader<weir::rpc::BlobPutChunk>* reader,
                   weir::rpc::BlobPutResponse* resp) override {
    try {
      auto writer = store_.begin_put();
      std::optional<BlobKey> expected;
      weir::rpc::BlobPutChunk chunk;
      bool first = true;
      while (reader->Read(&chunk)) {
        if (first && !chunk.expected_key().empty()) expected = BlobKey::parse(chunk.expected_key());
        first = false;
        writer->write(chunk.data());
      }
      // A client that went away mid-upload sent part of its file: store nothing.
      if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "the upload was cancelled");
      BlobKey key = writer->commit(expected);
      resp->set_key(key.hex());
      resp->set_size(writer->size());
      return grpc::Status::OK;
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
    }
  }

  grpc::Status Get(grpc::ServerContext* ctx, const weir::rpc::BlobGetRequest* req,
                   grpc::ServerWriter<weir::rpc::BlobGetChunk>* writer) override {
    std::filesystem::path path;
    try {
      path = store_.path_of(BlobKey::parse(req->key()));
    } catch (const BlobNotFoundError& e) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, e.what());
    } catch (const WeirError& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          fmt::format("cannot read blob file {}: {}", path.string(), std::strerror(errno)));
    const auto total = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    std::vector<char> buf(kBlobChunkBytes);
    weir::rpc::BlobGetChunk chunk;
    chunk.set_total_size(total);
    uint64_t sent = 0;
    do {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      const auto n = static_cast<size_t>(in.gcount());
      if (in.bad())
        return grpc::Status(grpc::StatusCode::INTERNAL,
                            fmt::format("cannot read blob file {}: {}", path.string(), std::strerror(errno)));
      chunk.set_data(buf.data(), n);
      if (!writer->Write(chunk) || ctx->IsCancelled())
        return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
      chunk.clear_total_size();
      sent += n;
    } while (in && sent < total);
    return grpc::Status::OK;
  }

 private:
  BlobServer& store_;
};

}  // namespace

std::unique_ptr<grpc::Service> register_blob_service(grpc::ServerBuilder& builder, BlobServer& store) {
  auto service = std::make_unique<BlobService>(store);
  builder.RegisterService(service.get());
  return service;
}

}  // namespace weir::cluster::blob
