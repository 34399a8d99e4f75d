#pragma once
// The RocksDB options every Weir database and column family is opened with.
#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/options.h>

#include "weir/state/rocksdb/rocksdb_key_layout.h"
#include "weir/state/rocksdb/rocksdb_resources.h"

namespace weir::state::rocks {

//! Database options: the slot's write buffer manager, few background threads, a quiet info log.
rocksdb::DBOptions db_options(const RocksDBSharedResources& r);
//! Column family options: the slot's block cache (index and filter blocks charged to it too), memtables
//! sized to the slot's write-buffer share, the list merge operator, and `ttl` (may be null).
//! Keyed-state layouts (value, list, map) get a hash memtable bucketed by the row's key (key group |
//! key length | key, see key_prefix_extractor): point reads and writes of the current key find a short
//! bucket instead of searching one skiplist of the whole memtable. Timer rows keep the ordered skiplist.
rocksdb::ColumnFamilyOptions cf_options(const RocksDBSharedResources& r,
                                        std::shared_ptr<TtlFilterFactory> ttl, Layout layout);
//! The layout of a column family by its name ("v/name"); the default column family counts as a timer
//! column family (ordered memtable, no prefix extractor).
Layout layout_of_column_family(const std::string& cf_name);
//! True when iterating rows that start with `prefix` can stay within the hash memtable's bucket (the
//! prefix holds a whole key): no total-order iteration, which sorts the memtable.
bool prefix_iteration(Layout layout, std::string_view prefix);

}  // namespace weir::state::rocks
