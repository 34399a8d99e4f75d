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
//! Keyed-state layouts (value, list, map) get a prefix extractor of the row's key (key group | key
//! length | key) for prefix Bloom filters and scans of one key; every layout uses RocksDB's default
//! skiplist memtable (the row cache in front absorbs point reads and writes, see the README).
rocksdb::ColumnFamilyOptions cf_options(const RocksDBSharedResources& r,
                                        std::shared_ptr<TtlFilterFactory> ttl, Layout layout);
//! The layout of a column family by its name ("v/name"); the default column family counts as a timer
//! column family (ordered memtable, no prefix extractor).
Layout layout_of_column_family(const std::string& cf_name);
//! True when iterating rows that start with `prefix` can use prefix seek (the prefix holds a whole
//! key): no total-order iteration.
bool prefix_iteration(Layout layout, std::string_view prefix);

}  // namespace weir::state::rocks
