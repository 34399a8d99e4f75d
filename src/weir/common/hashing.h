#pragma once
// Deterministic hashing of keys. Key groups must be identical in every process and on every
// platform, so Weir never uses std::hash for them.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace weir {

//! The murmur3 64-bit finalizer: a good avalanche for integer keys.
inline uint64_t mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

//! FNV-1a over bytes, finalized with mix64 (fast for the short keys streams use).
inline uint64_t hash_bytes(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 0xcbf29ce484222325ULL;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001b3ULL;
    h = (h << 31) | (h >> 33);
  }
  for (; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return mix64(h ^ n);
}

inline uint64_t hash_bytes(std::string_view s) {
  return hash_bytes(s.data(), s.size());
}

}  // namespace weir
