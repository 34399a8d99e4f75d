#pragma once
// The gRPC side of the blob store: the BlobService (blob.proto) over a BlobServer. The JobManager adds
// it to its RPC server with register_blob_service.
//
// Threading: gRPC's server threads run Put and Get; each call uses its own BlobWriter or file stream.
#include <memory>

#include <grpcpp/impl/service_type.h>

#include "weir/cluster/blob/blob_server.h"

namespace grpc {
class ServerBuilder;
}  // namespace grpc

namespace weir::cluster::blob {

//! Registers the BlobService over `store` with `builder` (before BuildAndStart). The returned service must
//! outlive the server built from `builder`, and `store` must outlive both.
std::unique_ptr<grpc::Service> register_blob_service(grpc::ServerBuilder& builder, BlobServer& store);

}  // namespace weir::cluster::blob
