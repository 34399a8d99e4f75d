// A blob upload as the blob service takes it from a client over the RPC port (BlobService::Put): the key
// the first chunk may name (BlobKey::parse), then the chunks' bytes streamed into the store while they are
// hashed (BlobWriter), bounded per upload, and committed only when the hash is the named key. Input: a
// byte, then that many bytes of expected key (none when 0), then chunks of a little-endian u16 length and
// that many bytes. The store is a directory of the process, kept for the run.
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "fuzz_target.h"
#include "weir/cluster/blob/blob_key.h"
#include "weir/cluster/blob/blob_server.h"
#include "weir/cluster/blob/blob_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir::cluster::blob;
  static BlobServer store{weir::Configuration{}};  // its own temp directory, removed at exit
  constexpr uint64_t kMaxUpload = 64 << 10;        // blob.server.max-upload-size, scaled down
  if (size == 0) return 0;
  const size_t key_len = std::min<size_t>(data[0], size - 1);
  const std::string expected_text(reinterpret_cast<const char*>(data + 1), key_len);
  size_t pos = 1 + key_len;
  weir::fuzz::refuse_or_accept([&] {
    std::optional<BlobKey> expected;
    if (!expected_text.empty()) expected = BlobKey::parse(expected_text);
    auto writer = store.begin_put(expected);
    while (pos + 2 <= size) {
      uint16_t len;
      std::memcpy(&len, data + pos, 2);
      pos += 2;
      const size_t take = std::min<size_t>(len, size - pos);
      if (writer->size() + take > kMaxUpload) return;  // refused, as the service does: nothing is stored
      writer->write(std::string_view(reinterpret_cast<const char*>(data + pos), take));
      pos += take;
    }
    BlobKey key = writer->commit();
    store.remove(key);  // the store stays small over the run
  });
  return 0;
}
