#include "weir/network/data_wire_format.h"

namespace weir::network::wire {

std::string encode_subscribe(const ChannelId& id, uint32_t credit) {
  std::string body(16 + id.job.size(), '\0');
  auto* p = reinterpret_cast<uint8_t*>(body.data());
  put_u32(p, credit);
  put_u32(p + 4, static_cast<uint32_t>(id.edge));
  put_u32(p + 8, static_cast<uint32_t>(id.producer));
  put_u32(p + 12, static_cast<uint32_t>(id.consumer));
  std::memcpy(body.data() + 16, id.job.data(), id.job.size());
  return body;
}

bool decode_subscribe(std::string_view body, ChannelId& id, uint32_t& credit) {
  if (body.size() < 16) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  credit = get_u32(p);
  id.edge = static_cast<int>(get_u32(p + 4));
  id.producer = static_cast<int>(get_u32(p + 8));
  id.consumer = static_cast<int>(get_u32(p + 12));
  id.job.assign(body.substr(16));
  return !id.job.empty();
}

}  // namespace weir::network::wire
