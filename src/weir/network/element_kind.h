#pragma once
// Framing of stream elements inside buffers: [u32 length][u8 kind][payload], length counting kind +
// payload. An element may span buffers; the reader reassembles it.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "weir/common/error.h"

namespace weir::network {

enum class ElementKind : uint8_t {
  kRecord = 0,           //!< payload: i64 timestamp, serialized value
  kWatermark = 1,        //!< payload: i64 watermark
  kWatermarkStatus = 2,  //!< payload: u8 (1 = idle, 0 = active)
  kEndOfPartition = 3,   //!< no payload; the producer will send nothing more on this channel
  kBarrier = 4,          //!< a checkpoint barrier: i64 id, i64 timestamp, u8 savepoint, target directory
  kEndOfData = 5,        //!< no more records or watermarks; barriers and end-of-partition still follow
};

inline constexpr uint32_t kFrameHeaderSize = 4;

//! The largest frame (kind + payload) a writer writes and a reader accepts: a larger record is refused
//! where it is written (a clear error instead of a silently truncated u32 length), and a reader refuses a
//! larger announced length before it allocates anything to reassemble it, so a corrupt buffer or a hostile
//! peer cannot make a task allocate up to 4 GiB. Records of the engine's tests and of Nexmark are at most
//! a few KiB; Flink has no such limit (its records are length-prefixed by an int, 2 GiB).
inline constexpr uint32_t kMaxFrameLength = 256u << 20;
//! An event (ResultPartition::broadcast_event) travels in one buffer, and a data-plane message carries at
//! most 64 MiB (wire::kMaxBody in data_wire_format.h, checked there with a static_assert).
inline constexpr uint32_t kMaxEventFrameLength = (64u << 20) - kFrameHeaderSize;

//! Why a frame of `payload_size` payload bytes cannot be written (`what`: "a record", "an event"), thrown as
//! a WeirError naming the size and the limit; nothing when it fits under `limit` (frame length).
inline void check_frame_to_write(size_t payload_size, uint32_t limit, std::string_view what) {
  if (payload_size + 1 > limit) [[unlikely]]
    throw WeirError(std::string(what) + " of " + std::to_string(payload_size) +
                    " bytes cannot be sent between tasks: its frame (" + std::to_string(payload_size + 1) +
                    " bytes with its kind) exceeds the largest frame, " + std::to_string(limit) + " bytes");
}

//! The length the frame header at `header` (4 bytes) announces, checked before anything is allocated
//! for the frame: a length beyond kMaxFrameLength throws a SerializationError naming `where()` (the
//! input channel and task reading it).
template <typename Where>
uint32_t read_frame_length(const void* header, Where&& where) {
  uint32_t len;
  std::memcpy(&len, header, 4);
  if (len > kMaxFrameLength) [[unlikely]]
    throw SerializationError("a frame of " + std::to_string(len) + " bytes announced in " + where() +
                             " exceeds the largest frame, " + std::to_string(kMaxFrameLength) +
                             " bytes (a corrupt buffer or a peer that does not speak Weir's framing)");
  return len;
}

//! Calls f(kind, frame, payload) for each complete frame in `bytes` (`frame` with its header, `payload`
//! without header and kind); stops at a truncated one.
template <typename F>
void for_each_frame(std::string_view bytes, F&& f) {
  size_t pos = 0;
  while (pos + kFrameHeaderSize < bytes.size()) {
    uint32_t len;
    std::memcpy(&len, bytes.data() + pos, 4);
    const size_t end = pos + kFrameHeaderSize + len;
    if (len == 0 || end > bytes.size()) return;
    f(static_cast<ElementKind>(bytes[pos + kFrameHeaderSize]), bytes.substr(pos, end - pos),
      bytes.substr(pos + kFrameHeaderSize + 1, len - 1));
    pos = end;
  }
}

//! The payload of an event buffer, which holds exactly one frame (empty if it holds none).
inline std::string_view single_frame_payload(const uint8_t* data, uint32_t size) {
  if (size < kFrameHeaderSize + 1) return {};
  return {reinterpret_cast<const char*>(data) + kFrameHeaderSize + 1, size - kFrameHeaderSize - 1};
}

}  // namespace weir::network
