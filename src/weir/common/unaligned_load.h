#pragma once
// 8- and 4-byte words read from any address (memcpy: one load on x86-64, no alignment assumed): the
// word-at-a-time paths of the in-memory hashes and comparisons (state/heap/composite_hash.h, bytes_equal.h).
#include <cstdint>
#include <cstring>

namespace weir {

inline uint64_t load_u64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t load_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace weir
