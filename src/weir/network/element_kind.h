#pragma once
// Framing of stream elements inside buffers: [u32 length][u8 kind][payload], length counting kind +
// payload. An element may span buffers; the reader reassembles it.
#include <cstdint>
#include <cstring>
#include <string_view>

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
