#pragma once
// Framing of stream elements inside buffers: [u32 length][u8 kind][payload], length counting kind +
// payload. An element may span buffers; the reader reassembles it.
#include <cstdint>

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

}  // namespace weir::network
