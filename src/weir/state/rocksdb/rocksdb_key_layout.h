#pragma once
// How the RocksDB backend lays out keys and values, and how they map to the canonical snapshot format.
//
//   row key   = key group (2 bytes, big-endian) | u32 key length | key | namespace          (value, list)
//   row key   = key group | u32 key length | key | u32 namespace length | namespace | user key  (map)
//   value row = value | i64 last refresh (TTL)               (value, reducing, aggregating; map values)
//   list row  = (varint length | element | i64 last refresh)*  (appended to by the merge operator)
//
// The big-endian key group first makes a key-group range a contiguous key range (snapshots, rescaling,
// DeleteRange). "u32 key length | key | namespace" is the heap backend's composite key, so rows convert
// to the canonical format byte for byte, without knowing the state's C++ types.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "weir/common/key_group.h"
#include "weir/common/time.h"
#include "weir/common/unaligned_load.h"

namespace weir::state::rocks {

//! Layout of a column family's rows; also the first letter of its name ("v/name"). Timer rows
//! (rocksdb_timer_store.h) are `key group | timestamp (8 bytes, big-endian, sign bit flipped) | u32 key
//! length | key | namespace` with an empty value.
enum class Layout : char { kValue = 'v', kList = 'l', kMap = 'm', kTimer = 't' };

inline void append_key_group(std::string& out, KeyGroup kg) {
  out.push_back(static_cast<char>((kg >> 8) & 0xff));
  out.push_back(static_cast<char>(kg & 0xff));
}
inline KeyGroup key_group_of_row(std::string_view row) {
  return static_cast<KeyGroup>((static_cast<uint8_t>(row[0]) << 8) | static_cast<uint8_t>(row[1]));
}
inline void append_u32(std::string& out, uint32_t n) {
  out.append(reinterpret_cast<const char*>(&n), 4);
}
//! Big-endian with the sign bit flipped: byte order is numeric order, negative timestamps included.
inline void append_ordered_i64(std::string& out, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v) ^ (1ULL << 63);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((u >> shift) & 0xff));
}
inline int64_t read_ordered_i64(const char* p) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<uint8_t>(p[i]);
  return static_cast<int64_t>(u ^ (1ULL << 63));
}
inline uint32_t read_u32(const char* p) {
  return load_u32(p);
}
inline int64_t read_i64(const char* p) {
  return static_cast<int64_t>(load_u64(p));
}
//! The smallest key greater than every key starting with `prefix` (empty: no such key).
inline std::string prefix_successor(std::string prefix) {
  while (!prefix.empty()) {
    auto& c = reinterpret_cast<uint8_t&>(prefix.back());
    if (c != 0xff) {
      ++c;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

//! What TTL does to one stored row.
enum class TtlVerdict { kKeep, kRemove, kRewrite };
//! Applies TTL to a row of `layout` at time `now`: drops expired list elements (into `rewritten`), or
//! the whole row when nothing live remains. Used by the compaction filter and cleanup_expired().
TtlVerdict apply_ttl(Layout layout, std::string_view value, Timestamp now, int64_t ttl_ms,
                     std::string* rewritten);

}  // namespace weir::state::rocks
