#include "weir/network/data_wire_format.h"

#include <fmt/format.h>

namespace weir::network::wire {

std::string check_header(const Header& h) {
  auto bounded = [&](const char* what, uint32_t min, uint32_t max) -> std::string {
    if (h.body_length >= min && h.body_length <= max) return {};
    return min == max ? fmt::format("{} of {} bytes (it has {})", what, h.body_length, min)
                      : fmt::format("{} of {} bytes (it has {} to {})", what, h.body_length, min, max);
  };
  switch (h.type) {
    case MessageType::kHello:
      return bounded("a hello", 1, kMaxAddress);
    case MessageType::kSubscribe:
      return bounded("a subscription", 17, 16 + kMaxJobKey);
    case MessageType::kBuffer:
      return bounded("a buffer", 1, kMaxBody);
    case MessageType::kCredit:
      return bounded("a credit", 4, 4);
    case MessageType::kCancel:
      return bounded("a cancel", 0, 0);
    case MessageType::kReject:
      return bounded("a rejection", 1, kMaxReason);
  }
  return fmt::format("unknown message type {} ({} bytes)", static_cast<int>(h.type), h.body_length);
}

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
