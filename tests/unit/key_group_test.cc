// Key-group assignment: the contract that keyed state, timers and hash partitioning all rely on.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "weir/common/data_io.h"
#include "weir/common/key_group.h"
#include "weir/common/serializer.h"

namespace weir {
namespace {

// Every (max parallelism, parallelism) pair a job may use: ranges are contiguous, disjoint, in
// subtask order, cover [0, max) exactly, and never empty (p <= max).
TEST(KeyGroupRanges, PartitionAllKeyGroupsContiguously) {
  for (int32_t max : {1, 2, 3, 7, 10, 128, 129, 1000, 32768}) {
    for (int32_t p = 1; p <= std::min(max, 70); ++p) {
      KeyGroup next = 0;
      for (int32_t i = 0; i < p; ++i) {
        KeyGroupRange r = key_group_range_for_subtask(max, p, i);
        ASSERT_EQ(r.start, next) << "max=" << max << " p=" << p << " i=" << i;
        ASSERT_GE(r.size(), 1) << "max=" << max << " p=" << p << " i=" << i;
        // Flink's ranges differ in size by at most one.
        ASSERT_LE(r.size(), (max + p - 1) / p);
        ASSERT_GE(r.size(), max / p);
        next = r.end + 1;
      }
      ASSERT_EQ(next, max) << "max=" << max << " p=" << p;
    }
  }
}

TEST(KeyGroupRanges, SubtaskForKeyGroupAgreesWithRanges) {
  for (int32_t max : {1, 3, 10, 128, 129, 4096}) {
    for (int32_t p : {1, 2, 3, 4, 5, 7, 8, 16, 31}) {
      if (p > max) continue;
      for (KeyGroup kg = 0; kg < max; ++kg) {
        int32_t s = subtask_for_key_group(kg, max, p);
        ASSERT_GE(s, 0);
        ASSERT_LT(s, p);
        ASSERT_TRUE(key_group_range_for_subtask(max, p, s).contains(kg))
            << "kg=" << kg << " max=" << max << " p=" << p << " subtask=" << s;
      }
    }
  }
}

TEST(KeyGroupRange, ContainsAndSize) {
  KeyGroupRange r{3, 5};
  EXPECT_EQ(r.size(), 3);
  EXPECT_FALSE(r.contains(2));
  EXPECT_TRUE(r.contains(3));
  EXPECT_TRUE(r.contains(5));
  EXPECT_FALSE(r.contains(6));
  EXPECT_EQ((KeyGroupRange{4, 3}).size(), 0);
}

template <typename K>
KeyGroup group_of(const K& key, int32_t max) {
  DataOutput out;
  Serializer<K>::write(out, key);
  return key_group_for_key_bytes(out.view(), max);
}

TEST(KeyGroupAssignment, SameKeySameGroupInRange) {
  for (int32_t max : {1, 7, 128, 32768}) {
    for (int64_t k = -1000; k < 1000; ++k) {
      KeyGroup a = group_of(k, max);
      ASSERT_EQ(a, group_of(k, max));
      ASSERT_GE(a, 0);
      ASSERT_LT(a, max);
    }
    for (int i = 0; i < 500; ++i) {
      std::string k = "key-" + std::to_string(i);
      KeyGroup a = group_of(k, max);
      ASSERT_EQ(a, group_of(std::string(k), max));
      ASSERT_LT(a, max);
    }
  }
}

// Not a statistical test: with 10000 keys over 128 groups, a hash that collapses keys would leave
// most groups empty. Every group must get some keys.
TEST(KeyGroupAssignment, SpreadsKeysOverEveryGroup) {
  std::vector<int> counts(128, 0);
  for (int64_t k = 0; k < 10000; ++k) counts[group_of(k, 128)]++;
  for (int g = 0; g < 128; ++g) EXPECT_GT(counts[g], 0) << "key group " << g << " got no key";
}

}  // namespace
}  // namespace weir
