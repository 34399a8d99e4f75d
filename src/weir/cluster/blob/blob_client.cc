#include "weir/cluster/blob/blob_client.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "weir/cluster/blob/blob.grpc.pb.h"
#include "weir/cluster/blob/blob_error.h"
#include "weir/cluster/blob/blob_writer.h"
#include "weir/cluster/blob/sha256.h"

namespace weir::cluster::blob {
namespace {

// Chunks are 1 MiB; leave room for framing.
constexpr int kMaxMessageBytes = 4 * (1 << 20);

}  // namespace

BlobClient::BlobClient(std::string address, std::chrono::milliseconds timeout)
    : address_(std::move(address)), timeout_(timeout) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  channel_ = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args);
}

BlobKey BlobClient::put_file(const std::filesystem::path& file) {
  // Hash first, so the server can refuse bytes that changed on the way.
  BlobKey expected = Sha256::of_file(file);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw WeirError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  auto stub = weir::rpc::BlobService::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
  weir::rpc::BlobPutResponse resp;
  auto writer = stub->Put(&ctx, &resp);
  std::vector<char> buf(kBlobChunkBytes);
  weir::rpc::BlobPutChunk chunk;
  chunk.set_expected_key(expected.hex());
  bool open = true;
  do {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.bad()) throw WeirError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
    chunk.set_data(buf.data(), static_cast<size_t>(in.gcount()));
    open = writer->Write(chunk);
    chunk.clear_expected_key();
  } while (open && in);
  writer->WritesDone();
  grpc::Status st = writer->Finish();
  if (!st.ok())
    throw WeirError(fmt::format("cannot upload {} to the blob server at {}: {}", file.string(), address_,
                                st.error_message()));
  return BlobKey::parse(resp.key());
}

void BlobClient::get(const BlobKey& key, BlobWriter& out) {
  auto stub = weir::rpc::BlobService::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
  weir::rpc::BlobGetRequest req;
  req.set_key(key.hex());
  auto reader = stub->Get(&ctx, req);
  weir::rpc::BlobGetChunk chunk;
  uint64_t total = 0;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (first) total = chunk.total_size();
    first = false;
    out.write(chunk.data());
  }
  grpc::Status st = reader->Finish();
  if (st.error_code() == grpc::StatusCode::NOT_FOUND) throw BlobNotFoundError(st.error_message());
  if (!st.ok())
    throw WeirError(fmt::format("cannot download blob {} from the blob server at {}: {}", key.hex(), address_,
                                st.error_message()));
  if (out.size() != total)
    throw WeirError(fmt::format("download of blob {} from {} ended after {} of {} bytes", key.hex(), address_,
                                out.size(), total));
}

}  // namespace weir::cluster::blob
