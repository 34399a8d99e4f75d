#include "weir/state/rocksdb/rocksdb_db_options.h"

#include <algorithm>

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

namespace weir::state::rocks {

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
  return o;
}

rocksdb::ColumnFamilyOptions cf_options(const RocksDBSharedResources& r,
                                        std::shared_ptr<TtlFilterFactory> ttl) {
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
    o.write_buffer_size = r.write_buffer_size();
    o.arena_block_size = std::max<size_t>(64 << 10, r.write_buffer_size() / 8);
  }
  o.max_write_buffer_number = 2;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  auto supported = rocksdb::GetSupportedCompressions();
  o.compression = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()
                      ? rocksdb::kLZ4Compression
                      : rocksdb::kNoCompression;
  return o;
}

}  // namespace weir::state::rocks
