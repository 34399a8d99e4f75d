// The slot budget's block cache: the row caches' reservation must shrink what every shard of the
// sharded LRU cache may hold, so blocks plus the reservation stay within the budget.
#include <gtest/gtest.h>

#include <string>

#include <rocksdb/cache.h>

#include "weir/state/rocksdb/rocksdb_resources.h"

namespace weir::state {
namespace {

TEST(RocksDBSharedResources, RowCacheReservationLeavesBlocksOnlyTheRestOfTheBudget) {
  constexpr int64_t kBudget = 64 << 20;
  RocksDBSharedResources r(kBudget, /*write_buffer_ratio=*/0.3, /*high_prio_ratio=*/0.1,
                           /*row_cache_ratio=*/0.4);
  ASSERT_EQ(r.row_cache_bytes(), static_cast<size_t>(kBudget * 0.4));
  const size_t reserved = r.cache()->GetUsage();
  EXPECT_GE(reserved, r.row_cache_bytes());
  // Fill the cache with evictable 16 KB "blocks", far more than the budget.
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(
        r.cache()
            ->Insert("block-" + std::to_string(i), nullptr, 16 << 10, [](const rocksdb::Slice&, void*) {})
            .ok());
  }
  // Every shard evicts down to its capacity; one large reservation entry would have left 15 shards
  // their whole capacity (85 MB in all here).
  EXPECT_LE(r.cache()->GetUsage(), static_cast<size_t>(kBudget) + (2 << 20));
  EXPECT_GE(r.cache()->GetPinnedUsage(), r.row_cache_bytes());
}

}  // namespace
}  // namespace weir::state
