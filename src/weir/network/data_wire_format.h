#pragma once
// Messages on a data connection between two TaskManagers. Every message is a 10-byte header
//   [u32 body length][u32 stream][u8 type][u8 flags]
// followed by `body length` bytes; integers are little-endian. A stream is one channel on one
// connection, numbered by the side that subscribed to it (the consumer). Both sides of a connection
// may subscribe, so one connection carries the channels of both directions.
//
//   kHello      first message of the side that connected; body: its own data address ("host:port")
//   kSubscribe  consumer -> producer: send me channel `body` on `stream`; body: u32 initial credit,
//               i32 edge, i32 producer, i32 consumer, then the job key
//   kBuffer     producer -> consumer: one network buffer; body: its bytes. Flags: kPooled (it used one
//               credit), kPriority, kFence (the Buffer flags of the same names)
//   kCredit     consumer -> producer: body: u32 more buffers the consumer can take on `stream`
//   kCancel     consumer -> producer: stop sending `stream` and forget it (the job was released)
//   kReject     producer -> consumer: the subscription on `stream` is refused; body: why (text). The
//               stream is over on both sides (its attempt was released on the producer's side)
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "weir/network/partition_registry.h"

namespace weir::network::wire {

enum class MessageType : uint8_t {
  kHello = 1,
  kSubscribe = 2,
  kBuffer = 3,
  kCredit = 4,
  kCancel = 5,
  kReject = 6
};

inline constexpr uint8_t kPooled = 1;
inline constexpr uint8_t kPriority = 2;
inline constexpr uint8_t kFence = 4;

inline constexpr size_t kHeaderSize = 10;
//! Larger bodies are a protocol error (no buffer or event comes near it).
inline constexpr uint32_t kMaxBody = 64u << 20;
//! The longest data address a hello may carry, and the longest job key a subscription may name.
inline constexpr uint32_t kMaxAddress = 1024;
inline constexpr uint32_t kMaxJobKey = 1024;
//! The longest reason a rejection may carry.
inline constexpr uint32_t kMaxReason = 4096;

struct Header {
  uint32_t body_length = 0;
  uint32_t stream = 0;
  MessageType type = MessageType::kHello;
  uint8_t flags = 0;
};

inline void put_u32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

inline uint32_t get_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

inline void encode_header(const Header& h, uint8_t* out) {
  put_u32(out, h.body_length);
  put_u32(out + 4, h.stream);
  out[8] = static_cast<uint8_t>(h.type);
  out[9] = h.flags;
}

inline Header decode_header(const uint8_t* in) {
  return {get_u32(in), get_u32(in + 4), static_cast<MessageType>(in[8]), in[9]};
}

//! Empty when a message with header `h` may follow; else what is wrong with it ("unknown message type 9",
//! "a credit of 0 bytes (it has 4)"). Checked before a byte of the body is read or allocated: each type's
//! body has a fixed size or a bound of its own, and data buffers are never empty.
[[nodiscard]] std::string check_header(const Header& h);

//! The body of a kSubscribe message.
std::string encode_subscribe(const ChannelId& id, uint32_t credit);
//! Parses a kSubscribe body; false when it is malformed.
[[nodiscard]] bool decode_subscribe(std::string_view body, ChannelId& id, uint32_t& credit);

}  // namespace weir::network::wire
