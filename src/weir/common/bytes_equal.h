#pragma once
// a == b for short byte strings, inline: keys and namespaces of keyed state are 4-40 bytes, compared once
// or more per record, where std::string_view's == calls memcmp (a library call that was 5-7 % of q11's and
// q12's CPU). Up to 32 bytes as 8- or 4-byte words (the last one overlapping), longer ones with memcmp.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace weir {

inline bool bytes_equal(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  auto load64 = [](const char* s) {
    uint64_t v;
    std::memcpy(&v, s, 8);
    return v;
  };
  auto load32 = [](const char* s) {
    uint32_t v;
    std::memcpy(&v, s, 4);
    return v;
  };
  if (n >= 8) {
    if (n > 32) return std::memcmp(p, q, n) == 0;
    for (size_t i = 0; i + 8 < n; i += 8)
      if (load64(p + i) != load64(q + i)) return false;
    return load64(p + n - 8) == load64(q + n - 8);
  }
  if (n >= 4) return load32(p) == load32(q) && load32(p + n - 4) == load32(q + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

}  // namespace weir
