#pragma once
// a == b for short byte strings, inline: keys and namespaces of keyed state are 4-40 bytes, compared once
// or more per record, where std::string_view's == calls memcmp (a library call that was 5-7 % of q11's and
// q12's CPU). Up to 32 bytes as 8- or 4-byte words (the last one overlapping), longer ones with memcmp.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "weir/common/unaligned_load.h"

namespace weir {

inline bool bytes_equal(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n >= 8) {
    if (n > 32) return std::memcmp(p, q, n) == 0;
    for (size_t i = 0; i + 8 < n; i += 8)
      if (load_u64(p + i) != load_u64(q + i)) return false;
    return load_u64(p + n - 8) == load_u64(q + n - 8);
  }
  if (n >= 4) return load_u32(p) == load_u32(q) && load_u32(p + n - 4) == load_u32(q + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

}  // namespace weir
