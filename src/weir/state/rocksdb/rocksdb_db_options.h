#pragma once
// The RocksDB options every Weir database and column family is opened with.
#include <memory>

#include <rocksdb/options.h>

#include "weir/state/rocksdb/rocksdb_resources.h"

namespace weir::state::rocks {

//! Database options: the slot's write buffer manager, few background threads, a quiet info log.
rocksdb::DBOptions db_options(const RocksDBSharedResources& r);
//! Column family options: the slot's block cache (index and filter blocks charged to it too), memtables
//! sized to the slot's write-buffer share, the list merge operator, and `ttl` (may be null).
rocksdb::ColumnFamilyOptions cf_options(const RocksDBSharedResources& r,
                                        std::shared_ptr<TtlFilterFactory> ttl);

}  // namespace weir::state::rocks
