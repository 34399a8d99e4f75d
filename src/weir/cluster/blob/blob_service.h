#pragma once
// The gRPC side of the blob store: the BlobService (blob.proto) over a BlobServer. The JobManager adds
// it to its RPC server with register_blob_service.
//
// Threading: gRPC's server threads run Put and Get; each call uses its own BlobWriter or file stream.
#include <cstdint>
#include <memory>

#include <grpcpp/impl/service_type.h>

#include "weir/cluster/blob/blob_server.h"

namespace grpc {
class ServerBuilder;
}  // namespace grpc

namespace weir::cluster::blob {

//! The default of blob.server.max-upload-size (blob_options.h), 100 MiB.
inline constexpr uint64_t kDefaultMaxUploadBytes = 100u << 20;

//! Registers the BlobService over `store` with `builder` (before BuildAndStart). The returned service must
//! outlive the server built from `builder`, and `store` must outlive both. An upload of more than
//! `max_upload_bytes` is refused (RESOURCE_EXHAUSTED, naming the bound and blob.server.max-upload-size) as
//! soon as its bytes pass the bound, and nothing of it is stored.
std::unique_ptr<grpc::Service> register_blob_service(grpc::ServerBuilder& builder, BlobServer& store,
                                                     uint64_t max_upload_bytes = kDefaultMaxUploadBytes);

}  // namespace weir::cluster::blob
