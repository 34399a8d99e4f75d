#include "weir/state/keyed_state_backend_factory.h"

#include <fmt/format.h>

#include "weir/common/config_options.h"
#include "weir/common/error.h"
#include "weir/state/heap/heap_keyed_state_backend.h"
#include "weir/state/rocksdb/rocksdb_keyed_state_backend.h"
#include "weir/state/state_options.h"

namespace weir::state {

namespace {
double ratio(const Configuration& conf, const ConfigOption<std::string>& opt, double lo, double hi) {
  std::string text = conf.get_string(opt);
  size_t pos = 0;
  double v = -1;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != text.size() || !(v > lo && v < hi))
    throw ConfigError(
        fmt::format("invalid value '{}' for configuration key '{}': expected a number in ({}, {})", text,
                    opt.key(), lo, hi));
  return v;
}

RocksDBBackendOptions rocksdb_options(const Configuration& conf, int slots_per_tm) {
  RocksDBBackendOptions o;
  o.timers_in_rocksdb = conf.get_string(options::kRocksDBTimerService) == "rocksdb";
  o.local_dir = conf.get_string(options::kRocksDBLocalDir);
  o.write_buffer_ratio = ratio(conf, options::kRocksDBWriteBufferRatio, 0.0, 1.0);
  o.high_prio_pool_ratio = ratio(conf, options::kRocksDBHighPrioPoolRatio, -1e-9, 1.0);
  o.write_back_cache_ratio = ratio(conf, options::kRocksDBWriteBackCacheRatio, -1e-9, 1.0);
  if (o.write_buffer_ratio + o.write_back_cache_ratio >= 1.0)
    throw ConfigError(fmt::format("configuration keys '{}' ({}) and '{}' ({}) together must stay below 1",
                                  options::kRocksDBWriteBufferRatio.key(), o.write_buffer_ratio,
                                  options::kRocksDBWriteBackCacheRatio.key(), o.write_back_cache_ratio));
  o.incremental = conf.get_bool(options::kIncrementalCheckpoints);
  if (conf.raw(options::kRocksDBMemoryFixedPerSlot.key())) {
    o.memory_budget = conf.get_memory(options::kRocksDBMemoryFixedPerSlot, true);
    if (o.memory_budget <= 0)
      throw ConfigError(
          fmt::format("configuration key '{}' must be positive", options::kRocksDBMemoryFixedPerSlot.key()));
  } else if (conf.get_bool(options::kRocksDBMemoryManaged)) {
    o.memory_budget = conf.get_memory(options::kManagedMemorySize, true) / std::max(1, slots_per_tm);
  }
  return o;
}
}  // namespace

void validate_state_backend_config(const Configuration& conf) {
  if (conf.get_string(options::kStateBackendType) == "rocksdb") rocksdb_options(conf, 1);
}

namespace {
std::unique_ptr<KeyedStateBackend> create_backend(const Configuration& conf, const KeyedBackendContext& ctx);
}  // namespace

std::unique_ptr<KeyedStateBackend> create_keyed_state_backend(const Configuration& conf,
                                                              const KeyedBackendContext& ctx) {
  auto backend = create_backend(conf, ctx);
  if (!ctx.local_state_dir.empty()) {
    std::shared_ptr<fs::LocalFileCopies> copies;
    if (ctx.local_backup) copies = std::make_shared<fs::LocalFileCopies>(ctx.local_state_dir + "/shared");
    backend->set_local_recovery(std::move(copies), ctx.local_recovery, ctx.local_state_dir);
  }
  return backend;
}

namespace {
std::unique_ptr<KeyedStateBackend> create_backend(const Configuration& conf, const KeyedBackendContext& ctx) {
  std::string type = conf.get_string(options::kStateBackendType);
  if (type == "hashmap")
    return std::make_unique<HeapKeyedStateBackend>(
        ctx.key_groups, ctx.max_parallelism, ctx.clock,
        HeapBackendOptions{.incremental = conf.get_bool(options::kIncrementalCheckpoints)});
  if (type == "rocksdb") {
    RocksDBBackendOptions o = rocksdb_options(conf, ctx.slots_per_task_manager);
    o.instance_name = fmt::format("{}-{}-{}", ctx.job_id.substr(0, 8), ctx.operator_id, ctx.subtask);
    // Keep the directory name portable: operator ids may hold any character.
    for (char& c : o.instance_name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
    o.slot_key = ctx.slot_key;
    return std::make_unique<RocksDBKeyedStateBackend>(ctx.key_groups, ctx.max_parallelism, ctx.clock,
                                                      std::move(o));
  }
  throw ConfigError(
      fmt::format("invalid value '{}' for configuration key '{}': allowed values are hashmap, rocksdb", type,
                  options::kStateBackendType.key()));
}
}  // namespace

}  // namespace weir::state
