#include "weir/state/rocksdb/rocksdb_db_options.h"

#include <algorithm>
#include <cstring>

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

namespace weir::state::rocks {

namespace {
//! Row keys' `key group | u32 key length | key`: every row of one key (any namespace, map user key)
//! has the same prefix. Shorter keys (key-group prefixes) are out of the domain.
class KeyPrefixExtractor final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "weir.KeyPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return {key.data(), prefix_len(key)}; }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= 6 && prefix_len(key) <= key.size();
  }

 private:
  static size_t prefix_len(const rocksdb::Slice& key) {
    uint32_t n = 0;
    std::memcpy(&n, key.data() + 2, 4);
    return 6 + static_cast<size_t>(n);
  }
};

bool hashed(Layout layout) {
  return layout == Layout::kValue || layout == Layout::kList || layout == Layout::kMap;
}
}  // namespace

Layout layout_of_column_family(const std::string& cf_name) {
  return cf_name.size() > 2 && cf_name[1] == '/' ? static_cast<Layout>(cf_name[0]) : Layout::kTimer;
}

bool prefix_iteration(Layout layout, std::string_view prefix) {
  return hashed(layout) && KeyPrefixExtractor().InDomain(rocksdb::Slice(prefix.data(), prefix.size()));
}

rocksdb::DBOptions db_options(const RocksDBSharedResources& r) {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_background_jobs = 2;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  o.keep_log_file_num = 1;
  o.stats_dump_period_sec = 0;
  o.avoid_flush_during_shutdown = true;  // the directory is deleted on close
  if (r.write_buffer_manager()) o.write_buffer_manager = r.write_buffer_manager();
  o.allow_concurrent_memtable_write = false;  // one writer (the task thread)
  return o;
}

rocksdb::ColumnFamilyOptions cf_options(const RocksDBSharedResources& r,
                                        std::shared_ptr<TtlFilterFactory> ttl, Layout layout) {
  rocksdb::ColumnFamilyOptions o;
  o.merge_operator = list_append_operator();
  if (ttl) o.compaction_filter_factory = std::move(ttl);
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 16 * 1024;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  if (r.cache()) {
    t.block_cache = r.cache();
    t.cache_index_and_filter_blocks = true;
    t.cache_index_and_filter_blocks_with_high_priority = true;
    t.pin_l0_filter_and_index_blocks_in_cache = false;
    // Filters and indexes in partitions of metadata_block_size, with only their top level pinned: a
    // lookup loads the one small partition it needs. With whole-file filters, a large SST's filter block
    // (megabytes) that the cache could not keep was read from the file again by every lookup that reached
    // it (q16 on RocksDB: 6M events took 45 s, 10M did not end in 26 min).
    t.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
    t.partition_filters = true;
    t.metadata_block_size = 4096;
    t.pin_top_level_index_and_filter = true;
    o.write_buffer_size = r.write_buffer_size();
    o.arena_block_size = std::max<size_t>(64 << 10, r.write_buffer_size() / 8);
  }
  o.max_write_buffer_number = 2;
  if (hashed(layout)) o.prefix_extractor = std::make_shared<KeyPrefixExtractor>();
  // Value, list and map rows reach RocksDB as the row cache's sorted write-backs and as reads of keys
  // the cache and its key filter could not answer: RocksDB's default skiplist memtable takes sorted
  // inserts cheaply and flushes without sorting (a hash memtable's flush sorts every entry into a new
  // skiplist first, 40 % of q18's CPU once the cache had taken the reads away).
  if (layout == Layout::kValue) {
    // A Put of a key already in the memtable overwrites its value in place when it fits (state
    // values of one type are mostly of one size), so repeated updates of one key do not add a
    // version each. Iterators may then see later writes; snapshot_rows flushes first.
    o.inplace_update_support = true;
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  auto supported = rocksdb::GetSupportedCompressions();
  o.compression = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()
                      ? rocksdb::kLZ4Compression
                      : rocksdb::kNoCompression;
  return o;
}

}  // namespace weir::state::rocks
