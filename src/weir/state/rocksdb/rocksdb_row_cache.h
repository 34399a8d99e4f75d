#pragma once
// A write-back cache of rows in front of RocksDB, one per backend (task thread only). Value-like,
// list and map column families read and write through it; timer column families bypass it.
//
// A hit costs a hash lookup instead of a RocksDB Get (memtable search, block cache) or Put (write
// batch, memtable insert): the hot keys of a job (open auctions, active bidders) stay here. Entries
// are the row's bytes exactly as RocksDB stores them, so TTL, snapshots and the merge operator see no
// difference. A cached "absent" entry remembers that RocksDB has no row (a miss that does not go to
// RocksDB again); a removal is an absent entry marked dirty.
//
// Dirty entries are written to RocksDB (one WriteBatch) when they are evicted, before any scan of
// their column family (map iteration, key-group snapshots, TTL cleanup) and before every snapshot, so
// everything RocksDB reads or checkpoints is current.
//
// Layout: each entry is one allocation (a 32-byte header, the key, then the value with room to grow),
// chained in a power-of-two bucket array per column family, so a lookup touches the bucket slot and
// the entry and nothing else (a std::unordered_map node with two std::strings took three allocations
// and as many cache misses). Each table remembers the entry it touched last: a state reads and then
// writes one row, and the write does not hash again.
//
// Memory: each entry is charged its allocation plus 32 bytes (the allocator's header and rounding,
// its bucket slots) against a bound the owner sets; the owner reserves that bound in the slot's
// budget (RocksDBSharedResources), so the cache draws on the same memory as the block cache and write
// buffers. When an insert goes over the bound, entries not used since the last eviction go (CLOCK, second
// chance); if that does not free a quarter of the bound, arbitrary ones go until usage is half.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weir/common/hashing.h"
#include "weir/state/rocksdb/rocksdb_key_filter.h"

namespace weir::state {

class RocksDBRowCache {
 public:
  //! One cached row: this header, then `key_size` key bytes, then `capacity` bytes of value room.
  struct Entry {
    Entry* next;
    uint64_t hash;
    uint32_t key_size;
    uint32_t value_size;
    uint32_t capacity;
    bool present;  //!< false: RocksDB has no row (or a removal is pending)
    bool dirty;    //!< differs from RocksDB: written on eviction or flush
    bool referenced;

    char* data() { return reinterpret_cast<char*>(this + 1); }
    const char* data() const { return reinterpret_cast<const char*>(this + 1); }
    std::string_view key() const { return {data(), key_size}; }
    std::string_view value() const { return {data() + key_size, value_size}; }
  };
  static_assert(sizeof(Entry) == 32);

  //! The rows of one column family.
  class Table {
   public:
    size_t size() const { return size_; }
    size_t dirty() const { return dirty_; }
    const RocksDBKeyFilter& filter() const { return filter_; }

   private:
    friend class RocksDBRowCache;
    explicit Table(bool known_empty) : filter_(known_empty) {}
    std::vector<Entry*> buckets_ = std::vector<Entry*>(1024, nullptr);
    RocksDBKeyFilter filter_;  //!< the keys the column family may hold in RocksDB
    size_t size_ = 0;
    size_t dirty_ = 0;
    Entry* last_ = nullptr;  //!< the entry touched last (reads then writes of one row skip the hash)
    int id = 0;
  };

  //! Writes rows to RocksDB: `table_id` of Table, key, value or null for a removal. Called with one
  //! table's dirty rows at a time, then `commit` once per flush or eviction.
  struct Sink {
    std::function<void(int table_id, std::string_view key, const std::string_view* value)> add;
    std::function<void()> commit;
  };

  //! `bound` is read on each insert (the owner's share of the slot's reservation may change).
  RocksDBRowCache(Sink sink, std::function<size_t()> bound)
      : sink_(std::move(sink)), bound_(std::move(bound)) {}
  ~RocksDBRowCache();
  RocksDBRowCache(const RocksDBRowCache&) = delete;
  RocksDBRowCache& operator=(const RocksDBRowCache&) = delete;

  //! A table for a column family; `id` is passed back to the sink. `known_empty`: RocksDB holds no
  //! rows of it yet, so its key filter can tell which keys RocksDB lacks (rocksdb_key_filter.h).
  Table* add_table(int id, bool known_empty);
  //! Rows larger than this are not cached (read and written straight through).
  size_t max_entry_bytes() const { return bound_() / 64; }

  //! The cached entry of `key`, or null; counts a hit or a miss and marks the entry used. The pointer
  //! is valid until the next call that changes the cache. On a miss `*miss_hash` (when given) is
  //! `key`'s hash, for the may_exist and fill that follow.
  Entry* find(Table* t, std::string_view key, uint64_t* miss_hash = nullptr);
  //! Caches `value` (or absence when null) as read from RocksDB: clean. No-op when `key` is cached.
  void fill(Table* t, std::string_view key, const std::string_view* value) {
    fill(t, key, hash_bytes(key), value);
  }
  void fill(Table* t, std::string_view key, uint64_t hash, const std::string_view* value);
  //! Sets `key` to `value` (dirty); may evict.
  void put(Table* t, std::string_view key, std::string_view value);
  //! Marks `key` removed (a dirty absent entry); may evict.
  void remove(Table* t, std::string_view key);
  //! Appends `operand` to the cached row of `key` (an absent row becomes `operand`) and returns true;
  //! returns false, changing nothing, when `key` is not cached.
  bool append(Table* t, std::string_view key, std::string_view operand);
  //! Drops `key`, dirty or not (a write around the cache superseded it).
  void drop(Table* t, std::string_view key);

  //! False when RocksDB certainly has no row of `key` (never written since the column family was
  //! known empty): a miss then needs no RocksDB read. Counts such answers.
  bool may_exist(Table* t, std::string_view key) { return may_exist(t, hash_bytes(key)); }
  bool may_exist(Table* t, uint64_t hash);
  //! Records a write of `key` that went to RocksDB around the cache.
  void note_written(Table* t, std::string_view key) { note_written(t, hash_bytes(key)); }
  void note_written(Table* t, uint64_t hash);
  //! Rows reached RocksDB without the cache seeing them (a restore): `t`'s key filter stops answering.
  void forget_contents(Table* t);

  //! Writes every dirty row of `t` (or of every table) to RocksDB; entries stay cached, clean.
  void flush(Table* t);
  void flush_all();
  //! Writes the dirty rows of `t`, then drops every entry whose key starts with `prefix` (empty: all).
  void invalidate(Table* t, std::string_view prefix);
  //! Drops every table and entry without writing (the database is being closed or replaced).
  void reset();

  size_t usage() const { return usage_; }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  //! Misses the key filter answered without reading RocksDB.
  uint64_t filtered() const { return filtered_; }

 private:
  //! What one entry is charged: its allocation, the allocator's header and rounding, bucket slots.
  static size_t charge(const Entry* e) { return sizeof(Entry) + e->key_size + e->capacity + 32; }
  //! The link (bucket slot or predecessor's `next`) that points at `key`'s entry, or at null.
  static Entry** locate(Table* t, uint64_t hash, std::string_view key);
  //! The entry of `key` with room for `value_size` bytes (existing, grown, or new and absent).
  Entry* entry_with_room(Table* t, std::string_view key, size_t value_size, bool keep_value);
  Entry* allocate(std::string_view key, uint64_t hash, uint32_t capacity);
  void release(Table* t, Entry* e);
  void mark_dirty(Table* t, Entry* e);
  void grow(Table* t);
  void maybe_evict() {
    if (usage_ > bound_()) evict();
  }
  void evict();
  //! Writes the dirty rows of `t` to the sink; returns whether anything was written.
  bool write_dirty(Table* t);
  //! Hands dirty entry `e` to the sink (a removal of a key RocksDB never had is dropped instead);
  //! returns whether anything was written.
  bool write_back(Table* t, Entry* e);
  //! Unlinks and frees every entry of `t` for which pred(entry) holds (writing dirty ones first when
  //! `write` is set); returns whether anything was written.
  template <typename Pred>
  bool erase_if(Table* t, bool write, Pred&& pred);

  Sink sink_;
  std::function<size_t()> bound_;
  std::vector<std::unique_ptr<Table>> tables_;
  size_t usage_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  uint64_t filtered_ = 0;
  size_t filter_bytes_ = 0;  //!< of every table's key filter, charged in usage_
};

}  // namespace weir::state
