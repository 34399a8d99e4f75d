#pragma once
// a * b as a 128-bit product with its two halves xored: the mixing step of the fast in-memory hashes
// (state/heap/composite_hash.h, nexmark/bid_order.h), 16 input bytes per multiply.
#include <cstdint>

namespace weir {

inline uint64_t fold_multiply(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

}  // namespace weir
