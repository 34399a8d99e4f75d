#pragma once
// CRC-32C (Castagnoli), table driven. Checksums every file Weir writes for checkpoints.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace weir {

namespace detail {
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
inline constexpr auto kCrc32cTable = make_crc32c_table();
}  // namespace detail

inline uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0) {
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = detail::kCrc32cTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}
inline uint32_t crc32c(std::string_view s) {
  return crc32c(s.data(), s.size());
}

}  // namespace weir
