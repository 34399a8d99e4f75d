#pragma once
// Configuration keys of the state backends (Flink's names). `state.backend.type` itself is declared
// with the core keys (common/config_options.h).
#include "weir/common/config.h"

namespace weir::options {

extern const ConfigOption<bool> kIncrementalCheckpoints;        // execution.checkpointing.incremental
extern const ConfigOption<std::string> kRocksDBLocalDir;        // state.backend.rocksdb.localdir
extern const ConfigOption<bool> kRocksDBMemoryManaged;          // state.backend.rocksdb.memory.managed
extern const ConfigOption<int64_t> kRocksDBMemoryFixedPerSlot;  // state.backend.rocksdb.memory.fixed-per-slot
extern const ConfigOption<std::string>
    kRocksDBWriteBufferRatio;  // state.backend.rocksdb.memory.write-buffer-ratio
extern const ConfigOption<std::string>
    kRocksDBHighPrioPoolRatio;  // state.backend.rocksdb.memory.high-prio-pool-ratio
extern const ConfigOption<std::string>
    kRocksDBWriteBackCacheRatio;  // state.backend.rocksdb.memory.write-back-cache-ratio
extern const ConfigOption<std::string> kRocksDBTimerService;  // state.backend.rocksdb.timer-service.factory
extern const ConfigOption<int64_t> kManagedMemorySize;        // taskmanager.memory.managed.size

}  // namespace weir::options
