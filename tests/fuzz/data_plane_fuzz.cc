// What a peer TaskManager sends on a data connection: message headers, a subscription's body, and the
// elements inside a data buffer (a barrier's payload, a record's fields as the typed serializers read them).
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz_target.h"
#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/common/data_io.h"
#include "weir/common/serializer.h"
#include "weir/network/data_wire_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir;
  const std::string_view bytes = fuzz::as_view(data, size);
  if (size >= network::wire::kHeaderSize) {
    auto h = network::wire::decode_header(data);
    std::string_view body = bytes.substr(network::wire::kHeaderSize);
    if (network::wire::check_header(h).empty() && h.type == network::wire::MessageType::kSubscribe) {
      network::ChannelId id;
      uint32_t credit = 0;
      static_cast<void>(network::wire::decode_subscribe(
          body.substr(0, std::min<size_t>(body.size(), h.body_length)), id, credit));
    }
  }
  network::ChannelId id;
  uint32_t credit = 0;
  static_cast<void>(network::wire::decode_subscribe(bytes, id, credit));
  fuzz::refuse_or_accept([&] { cluster::decode_barrier(data, size); });
  using Row = std::tuple<int64_t, std::string, std::vector<int32_t>, std::optional<std::string>,
                         std::map<std::string, double>, std::pair<bool, std::vector<std::string>>>;
  fuzz::refuse_or_accept([&] {
    DataInput in(data, size);
    while (in.remaining() > 0) Serializer<Row>::read(in);
  });
  return 0;
}
