#pragma once
// The hash of a composite key (key bytes, namespace bytes) in the heap backend's in-memory tables. It is
// never persisted (snapshots carry the bytes, restores hash them again), so unlike hash_bytes, whose
// values fix key groups in savepoints, it is free to change. Tuned for what tables hold: 10-40 byte keys
// (a long key's 12-byte composite, a (long, TimeWindow) window's 28), hashed once per record and state:
// 16 bytes per 64x64->128-bit multiply, and the last 1-16 bytes as two overlapping loads instead of a
// loop over single bytes.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "weir/common/fold_multiply.h"
#include "weir/common/unaligned_load.h"

namespace weir::state {

inline uint64_t composite_hash(std::string_view s) {
  constexpr uint64_t k0 = 0x2d358dccaa6c78a5ULL, k1 = 0x8bb84b93962eacc9ULL, k2 = 0x4b33a62ed433d4a3ULL;
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = k2 ^ static_cast<uint64_t>(n);
  for (; n > 16; p += 16, n -= 16) h = fold_multiply(load_u64(p) ^ k0, load_u64(p + 8) ^ k1 ^ h);
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = load_u64(p);
    b = load_u64(p + n - 8);
  } else if (n >= 4) {
    a = load_u32(p);
    b = load_u32(p + n - 4);
  } else if (n > 0) {
    a = (static_cast<uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
        (static_cast<uint64_t>(static_cast<unsigned char>(p[n >> 1])) << 8) |
        static_cast<uint64_t>(static_cast<unsigned char>(p[n - 1]));
  }
  h = fold_multiply(a ^ k0, b ^ k1 ^ h);
  return fold_multiply(h ^ k2, k1);
}

}  // namespace weir::state
