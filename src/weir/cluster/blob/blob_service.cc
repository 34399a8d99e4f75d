#include "weir/cluster/blob/blob_service.h"

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "weir/cluster/blob/blob.grpc.pb.h"
#include "weir/cluster/blob/blob_error.h"
#include "weir/fs/file_system.h"

namespace weir::cluster::blob {
namespace {

class BlobService final : public weir::rpc::BlobService::Service {
 public:
  BlobService(BlobServer& store, uint64_t max_upload_bytes)
      : store_(store), max_upload_bytes_(max_upload_bytes) {}

  grpc::Status Put(grpc::ServerContext* ctx, grpc::ServerReader<weir::rpc::BlobPutChunk>* reader,
                   weir::rpc::BlobPutResponse* resp) override {
    try {
      // The first chunk may name the key the client computed: then the bytes stream straight into the
      // store (blob_writer.h).
      weir::rpc::BlobPutChunk chunk;
      std::unique_ptr<BlobWriter> writer;
      while (reader->Read(&chunk)) {
        if (!writer) {
          std::optional<BlobKey> expected;
          if (!chunk.expected_key().empty()) expected = BlobKey::parse(chunk.expected_key());
          writer = store_.begin_put(expected);
        }
        // Refused before the bytes are written: the writer's destructor discards what it holds.
        if (writer->size() + chunk.data().size() > max_upload_bytes_)
          return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              fmt::format("the upload exceeds the {} bytes the blob server accepts in one "
                                          "file (blob.server.max-upload-size); nothing of it was stored",
                                          max_upload_bytes_));
        writer->write(chunk.data());
      }
      if (!writer) writer = store_.begin_put();
      // A client that went away mid-upload sent part of its file: store nothing.
      if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "the upload was cancelled");
      BlobKey key = writer->commit();
      resp->set_key(key.hex());
      resp->set_size(writer->size());
      return grpc::Status::OK;
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
    }
  }

  grpc::Status Get(grpc::ServerContext* ctx, const weir::rpc::BlobGetRequest* req,
                   grpc::ServerWriter<weir::rpc::BlobGetChunk>* writer) override {
    fs::Path path;
    try {
      path = store_.path_of(BlobKey::parse(req->key()));
    } catch (const BlobNotFoundError& e) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, e.what());
    } catch (const fs::FileSystemError& e) {
      return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
    } catch (const WeirError& e) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    }
    try {
      // Ranged reads of one chunk each, through the fs layer (a local file or an object).
      auto fs = fs::get(path);
      auto st = fs->stat(path);
      if (!st)
        return grpc::Status(grpc::StatusCode::NOT_FOUND, fmt::format("blob file {} vanished", path.str()));
      const uint64_t total = st->size;
      weir::rpc::BlobGetChunk chunk;
      chunk.set_total_size(total);
      uint64_t sent = 0;
      do {
        std::string bytes = fs->read_range(path, sent, kBlobChunkBytes);
        if (bytes.empty() && sent < total)
          return grpc::Status(
              grpc::StatusCode::INTERNAL,
              fmt::format("blob file {} ended after {} of {} bytes", path.str(), sent, total));
        chunk.set_data(std::move(bytes));
        if (!writer->Write(chunk) || ctx->IsCancelled())
          return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
        chunk.clear_total_size();
        sent += chunk.data().size();
      } while (sent < total);
      return grpc::Status::OK;
    } catch (const std::exception& e) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          fmt::format("cannot read blob file {}: {}", path.str(), e.what()));
    }
  }

 private:
  BlobServer& store_;
  const uint64_t max_upload_bytes_;
};

}  // namespace

std::unique_ptr<grpc::Service> register_blob_service(grpc::ServerBuilder& builder, BlobServer& store,
                                                     uint64_t max_upload_bytes) {
  auto service = std::make_unique<BlobService>(store, max_upload_bytes);
  builder.RegisterService(service.get());
  return service;
}

}  // namespace weir::cluster::blob
