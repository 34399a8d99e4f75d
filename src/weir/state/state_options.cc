#include "weir/state/state_options.h"

namespace weir::options {

const ConfigOption<bool> kIncrementalCheckpoints{
    {"execution.checkpointing.incremental", ConfigType::kBool, "false",
     "Checkpoints of the RocksDB state backend upload only the SST files that no earlier checkpoint "
     "uploaded (savepoints stay full and canonical)."}};
const ConfigOption<std::string> kRocksDBLocalDir{
    {"state.backend.rocksdb.localdir", ConfigType::kString, "",
     "Directory of the RocksDB instances' working files (empty: the system temp directory)."}};
const ConfigOption<bool> kRocksDBMemoryManaged{
    {"state.backend.rocksdb.memory.managed", ConfigType::kBool, "true",
     "Bound RocksDB's memory per slot by the slot's share of taskmanager.memory.managed.size."}};
const ConfigOption<int64_t> kRocksDBMemoryFixedPerSlot{
    {"state.backend.rocksdb.memory.fixed-per-slot", ConfigType::kMemorySize, "",
     "Fixed RocksDB memory per slot (block cache and write buffers); overrides the managed budget."}};
const ConfigOption<std::string> kRocksDBWriteBufferRatio{
    {"state.backend.rocksdb.memory.write-buffer-ratio", ConfigType::kString, "0.3",
     "Share of the per-slot budget that write buffers (memtables) may use, in (0, 1)."}};
const ConfigOption<std::string> kRocksDBHighPrioPoolRatio{
    {"state.backend.rocksdb.memory.high-prio-pool-ratio", ConfigType::kString, "0.1",
     "Share of the block cache reserved for index and filter blocks, in [0, 1)."}};
const ConfigOption<std::string> kRocksDBWriteBackCacheRatio{
    {"state.backend.rocksdb.memory.write-back-cache-ratio", ConfigType::kString, "0.4",
     "Share of the per-slot budget for the write-back caches of hot value and list rows in front of "
     "RocksDB, in [0, 1); 0 turns them off. Reserved in the block cache; the write-buffer ratio plus "
     "this must stay below 1."}};
const ConfigOption<std::string> kRocksDBTimerService{
    {"state.backend.rocksdb.timer-service.factory",
     ConfigType::kEnum,
     "heap",
     "Where the timers of the RocksDB backend live: heap (fast, in memory) or rocksdb (in column "
     "families, for more timers than memory holds).",
     {"heap", "rocksdb"}}};
const ConfigOption<int64_t> kManagedMemorySize{
    {"taskmanager.memory.managed.size", ConfigType::kMemorySize, "512mb",
     "Managed memory of a TaskManager, split evenly over its slots (RocksDB's per-slot budget)."}};

}  // namespace weir::options
