#pragma once
// Key groups: the unit of keyed state. keyGroup = hash(key) % maxParallelism; subtask i of p owns a
// contiguous range of key groups (Flink's assignment), so rescaling moves whole ranges.
#include <cstdint>
#include <string_view>

#include "weir/common/assert.h"
#include "weir/common/hashing.h"

namespace weir {

using KeyGroup = int32_t;

//! The largest maximum parallelism (pipeline.max-parallelism): key groups are below it.
inline constexpr int32_t kMaxKeyGroups = 32768;

struct KeyGroupRange {
  KeyGroup start = 0;  //!< inclusive
  KeyGroup end = -1;   //!< inclusive; empty when end < start
  bool contains(KeyGroup kg) const { return kg >= start && kg <= end; }
  int32_t size() const { return end >= start ? end - start + 1 : 0; }
  bool operator==(const KeyGroupRange&) const = default;
};

//! Key group of a key given its serialized bytes.
inline KeyGroup key_group_for_key_bytes(std::string_view key_bytes, int32_t max_parallelism) {
  WEIR_ASSERT(max_parallelism > 0 && max_parallelism <= kMaxKeyGroups, "max parallelism out of range");
  return static_cast<KeyGroup>(hash_bytes(key_bytes) % static_cast<uint64_t>(max_parallelism));
}

//! The contiguous key-group range that subtask `index` of `parallelism` owns.
inline KeyGroupRange key_group_range_for_subtask(int32_t max_parallelism, int32_t parallelism,
                                                 int32_t index) {
  WEIR_ASSERT(parallelism > 0 && parallelism <= max_parallelism, "parallelism above max parallelism");
  WEIR_ASSERT(index >= 0 && index < parallelism, "subtask index out of range");
  int32_t start =
      static_cast<int32_t>((static_cast<int64_t>(index) * max_parallelism + parallelism - 1) / parallelism);
  int32_t end = static_cast<int32_t>((static_cast<int64_t>(index + 1) * max_parallelism - 1) / parallelism);
  return {start, end};
}

//! The subtask that owns key group `kg`.
inline int32_t subtask_for_key_group(KeyGroup kg, int32_t max_parallelism, int32_t parallelism) {
  WEIR_ASSERT(kg >= 0 && kg < max_parallelism, "key group out of range");
  return static_cast<int32_t>(static_cast<int64_t>(kg) * parallelism / max_parallelism);
}

}  // namespace weir
