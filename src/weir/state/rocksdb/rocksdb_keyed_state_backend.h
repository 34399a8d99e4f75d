#pragma once
// The RocksDB keyed-state backend: one embedded RocksDB instance per keyed operator subtask, in its own
// directory under `state.backend.rocksdb.localdir` (removed when the backend is destroyed), one column
// family per state. State lives in RocksDB's files, so it can be much larger than memory; memory is
// bounded by a per-slot budget shared by the block cache and the write buffers (RocksDBSharedResources).
//
// States (rocksdb_states.h) serialize keys and values and call the row accessors below; the RocksDB
// headers stay inside the .cc files. Snapshots are canonical (snapshot_key_group, byte for byte what the
// heap backend writes) or native (incremental checkpoints: a RocksDB checkpoint whose new SST files are
// uploaded once to the job's shared directory; see rocksdb_incremental.h).
//
// Threading: the backend and its states are used by the owning task thread only; RocksDB's background
// threads compact and flush, calling the TTL compaction filter, which reads only the clock.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/state/keyed_state_backend.h"
#include "weir/state/rocksdb/rocksdb_key_layout.h"
#include "weir/state/rocksdb/rocksdb_row_cache.h"
#include "weir/state/state_ttl_config.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Iterator;
class WriteBatch;
}  // namespace rocksdb

namespace weir::state {

class RocksDBSharedResources;
class TtlFilterFactory;

struct RocksDBBackendOptions {
  std::string local_dir;      //!< parent of the instance directory (empty: the system temp directory)
  std::string instance_name;  //!< readable part of the instance directory's name
  std::string slot_key;       //!< backends with the same key share one memory budget (one slot)
  int64_t memory_budget = 0;  //!< bytes per slot for block cache + write buffers; 0: RocksDB defaults
  double write_buffer_ratio = 0.3;
  double high_prio_pool_ratio = 0.1;
  double write_back_cache_ratio = 0.4;  //!< share of the budget for write-back row caches (0: none)
  bool incremental = false;             //!< checkpoints (not savepoints) are native and incremental
  bool timers_in_rocksdb = false;       //!< timers in column families instead of on the heap
};

//! One state's column family.
struct RocksDBColumnFamily {
  std::string state_name;
  rocks::Layout layout = rocks::Layout::kValue;
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  std::shared_ptr<TtlFilterFactory> ttl_filter;
  bool registered = false;  //!< a state object uses it (otherwise it holds restored rows only)
  //! Its rows in the backend's write-back cache; null when its rows bypass it (timers; ratio 0).
  RocksDBRowCache::Table* cache = nullptr;
};

class RocksDBKeyedStateBackend final : public KeyedStateBackend {
 public:
  RocksDBKeyedStateBackend(KeyGroupRange range, int32_t max_parallelism, std::shared_ptr<Clock> clock,
                           RocksDBBackendOptions opts);
  ~RocksDBKeyedStateBackend() override;
  std::string_view kind() const override { return "rocksdb"; }

  //! The column family of state `name`, created when missing. Throws JobDefinitionError when the
  //! name is in use with another layout.
  RocksDBColumnFamily* column_family(const std::string& name, rocks::Layout layout,
                                     const std::optional<StateTtlConfig>& ttl);

  // ---- rows of the current task thread's states ----
  bool get(RocksDBColumnFamily* cf, std::string_view key, std::string* value);
  void put(RocksDBColumnFamily* cf, std::string_view key, std::string_view value);
  void merge(RocksDBColumnFamily* cf, std::string_view key, std::string_view value);
  void remove(RocksDBColumnFamily* cf, std::string_view key);
  //! Removes every row whose key starts with `prefix`.
  void remove_prefix(RocksDBColumnFamily* cf, std::string_view prefix);

  //! Rows whose keys start with a prefix, in key order.
  class PrefixIterator {
   public:
    PrefixIterator(PrefixIterator&&) noexcept;
    ~PrefixIterator();
    bool valid() const;
    std::string_view key() const;
    std::string_view value() const;
    void next();

   private:
    friend class RocksDBKeyedStateBackend;
    struct Impl;
    explicit PrefixIterator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };
  //! `seek_from` (empty: the prefix itself) starts later within the prefix, skipping what sorts before.
  PrefixIterator iterate(RocksDBColumnFamily* cf, std::string_view prefix, std::string_view seek_from = {});

  // ---- whole column families (bytewise, independent of the state's C++ types) ----
  size_t count_entries(RocksDBColumnFamily* cf);
  void cleanup_expired(RocksDBColumnFamily* cf, int64_t ttl_ms);
  //! Writes the rows of key group `kg` in the canonical format (InternalStateBase::snapshot_key_group).
  void snapshot_rows(RocksDBColumnFamily* cf, KeyGroup kg, DataOutput& out);

  //! Flushes and compacts every column family (tests: TTL applies during compaction).
  void compact_all();
  //! The database directory, inside instance_dir().
  const std::string& path() const { return path_; }
  //! Everything this backend keeps on local disk (database, local checkpoints); removed on destruction.
  const std::string& instance_dir() const { return instance_dir_; }
  //! Bytes of RocksDB memory charged to this backend's slot (block cache incl. write buffers and the
  //! row caches' reservation).
  size_t memory_usage() const;
  //! Approximate bytes of state in SST files (compressed), over all column families; memtables are
  //! not counted (their arenas say little about their contents): flush first.
  uint64_t approximate_size() const;
  //! Full checkpoints and savepoints of at least this much state (on disk, after a flush) stream to a
  //! keyed-state file (rocksdb_full_snapshot.cc); smaller ones are snapshotted in memory by key group.
  static constexpr uint64_t kStreamFullSnapshotsFrom = 4 << 20;
  //! The write-back row cache (tests, benchmarks).
  const RocksDBRowCache& row_cache() const { return *cache_; }
  //! Writes every dirty cached row to RocksDB (snapshots do this themselves).
  void flush_row_cache();

  std::shared_ptr<TimerStore> create_timer_store(const std::string& name) override;

  // ---- snapshots ----
  NativeSnapshot take_native_snapshot(const NativeSnapshotRequest& req) override;
  void restore_native(const std::vector<std::string_view>& handles,
                      const std::string& checkpoint_dir) override;
  //! Writes a keyed-state file record's rows straight into the state's column family.
  void restore_rows(KeyGroup kg, std::string_view name, RowLayout layout, uint64_t n,
                    DataInput& entries) override;

 protected:
  void snapshot_unregistered(KeyGroup kg, std::vector<std::pair<std::string, std::string>>& parts) override;

 private:
  void open_db(bool existing);
  void close_db();
  //! `known_empty`: RocksDB holds no rows of it (created now, not opened from restored files).
  RocksDBColumnFamily* add_column_family(const std::string& cf_name, rocksdb::ColumnFamilyHandle* h,
                                         bool known_empty);
  //! The column family `cf_name` ("<layout>/<state>"), created (unregistered) when missing.
  RocksDBColumnFamily* existing_or_new_column_family(const std::string& cf_name);
  //! A streamed canonical snapshot (full checkpoints, savepoints): rocksdb_full_snapshot.cc.
  NativeSnapshot take_full_snapshot(const NativeSnapshotRequest& req);

  RocksDBBackendOptions opts_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<RocksDBSharedResources> resources_;
  std::string instance_dir_;
  std::string path_;
  std::string instance_id_;  //!< unique per DB instance: names of uploaded SST files
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* default_cf_ = nullptr;
  //! By column family name ("<layout>/<state name>").
  std::map<std::string, std::unique_ptr<RocksDBColumnFamily>> cfs_;
  //! Local SST file name -> shared file path, for files uploaded or being uploaded by the last
  //! checkpoint's writer (incremental checkpoints). Task thread.
  std::map<std::string, std::string> uploaded_;
  //! Write-back cache of value and list rows; `by_cache_id_` maps its table ids to column families.
  std::unique_ptr<RocksDBRowCache> cache_;
  std::vector<RocksDBColumnFamily*> by_cache_id_;
  std::unique_ptr<rocksdb::WriteBatch> cache_batch_;
  //! Writes the rows the cache handed over (write_backs_) to RocksDB in one batch, sorted by key.
  void write_back_pending();
  //! Rows handed over by the cache since the last commit (bytes in write_back_bytes_), sorted then.
  struct WriteBack {
    uint32_t table;
    size_t offset;
    uint32_t key_size;
    int64_t value_size;  //!< -1: a removal
  };
  std::vector<WriteBack> write_backs_;
  size_t write_back_chunk_ = 1 << 20;  //!< bytes of rows per batch at most (about)
  std::string write_back_bytes_;
};

}  // namespace weir::state
