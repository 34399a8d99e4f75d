#pragma once
// What RocksDB instances share, and the hooks RocksDB calls back into:
// - RocksDBSharedResources: one memory budget per slot. A block cache of the whole budget with a
//   WriteBufferManager charged to it, so memtables and cached blocks (index and filter blocks too)
//   draw on one pool; every backend of the slot opens its DB with both. The row caches of the slot's
//   backends (rocksdb_row_cache.h) get a fixed share of the budget, reserved in the same block cache
//   (a pinned entry of that charge), split evenly over the backends alive in the slot.
// - TtlFilterFactory: the compaction filter that drops expired rows (and expired list elements).
// - The list merge operator: appends elements (list rows are self-delimiting, so appending is
//   concatenation).
//
// Threading: for_slot() is thread-safe (a process-wide registry under a mutex); the filter and the
// merge operator run on RocksDB's background threads and touch only their own atomics and the clock.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/write_buffer_manager.h>

#include "weir/common/time.h"
#include "weir/state/rocksdb/rocksdb_key_layout.h"

namespace weir::state {

class RocksDBSharedResources {
 public:
  //! The resources of slot `slot_key`, created on first use with `budget` bytes and freed when the
  //! last backend of the slot lets go. `budget` 0: no shared budget (RocksDB's defaults per DB).
  //! `row_cache_ratio`: share of the budget for row caches (0: none).
  static std::shared_ptr<RocksDBSharedResources> for_slot(const std::string& slot_key, int64_t budget,
                                                          double write_buffer_ratio, double high_prio_ratio,
                                                          double row_cache_ratio);
  RocksDBSharedResources(int64_t budget, double write_buffer_ratio, double high_prio_ratio,
                         double row_cache_ratio);
  ~RocksDBSharedResources();
  RocksDBSharedResources(const RocksDBSharedResources&) = delete;
  RocksDBSharedResources& operator=(const RocksDBSharedResources&) = delete;

  int64_t budget() const { return budget_; }
  const std::shared_ptr<rocksdb::Cache>& cache() const { return cache_; }
  const std::shared_ptr<rocksdb::WriteBufferManager>& write_buffer_manager() const { return wbm_; }
  //! Memtable size per column family, so several memtables fit under the write-buffer share.
  size_t write_buffer_size() const { return write_buffer_size_; }

  //! Row-cache bytes of the whole slot (reserved in the block cache when there is a budget; without a
  //! budget a fixed 16 MB, charged nowhere, like the rest of RocksDB's memory then).
  size_t row_cache_bytes() const { return row_cache_bytes_; }
  //! Each live backend's share of row_cache_bytes(). Any thread.
  size_t row_cache_share() const {
    return row_cache_bytes_ / static_cast<size_t>(std::max(1, backends_.load(std::memory_order_relaxed)));
  }
  //! A backend of the slot starts or ends (row_cache_share() follows).
  void attach() { backends_.fetch_add(1, std::memory_order_relaxed); }
  void detach() { backends_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  int64_t budget_;
  double row_cache_ratio_;
  size_t row_cache_bytes_ = 0;
  std::atomic<int> backends_{0};
  //! The row caches' share, pinned in the block cache as many small entries: the cache is sharded
  //! (16 shards, each with 1/16 of the capacity), and one large entry would overfill its shard while
  //! leaving the other 15 their whole capacity, so the budget would not hold.
  std::vector<rocksdb::Cache::Handle*> row_cache_reservation_;
  size_t write_buffer_size_ = 64 << 20;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> wbm_;
};

//! Creates TTL compaction filters for one column family. The state object sets the TTL when it
//! registers; until then (restored rows nobody asked for yet) nothing is filtered.
class TtlFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  TtlFilterFactory(rocks::Layout layout, std::shared_ptr<Clock> clock)
      : layout_(layout), clock_(std::move(clock)) {}
  void set_ttl_ms(int64_t ttl) { ttl_ms_.store(ttl, std::memory_order_release); }
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "WeirTtlFilterFactory"; }

 private:
  rocks::Layout layout_;
  std::shared_ptr<Clock> clock_;
  std::atomic<int64_t> ttl_ms_{0};
};

//! Appends list elements: new value = existing value + operand.
std::shared_ptr<rocksdb::MergeOperator> list_append_operator();

}  // namespace weir::state
