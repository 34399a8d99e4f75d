#pragma once
// A write-back cache of rows in front of RocksDB, one per backend (task thread only). Value-like and
// list column families read and write through it; map and timer column families bypass it.
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
// Memory: entries are charged approximately (key, value, and a fixed per-entry overhead for the node
// and strings) against a bound the owner sets; the owner reserves that bound in the slot's budget
// (RocksDBSharedResources), so the cache draws on the same memory as the block cache and write
// buffers. When an insert goes over the bound, entries not used since the last eviction go (CLOCK,
// second chance); if that does not free a quarter of the bound, arbitrary ones go until usage is half.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace weir::state {

class RocksDBRowCache {
 public:
  //! One cached row.
  struct Entry {
    std::string value;
    bool present = false;  //!< false: RocksDB has no row (or a removal is pending)
    bool dirty = false;    //!< differs from RocksDB: written on eviction or flush
    bool referenced = true;
  };
  //! The rows of one column family.
  class Table {
   public:
    Entry* find(std::string_view key) {
      auto it = rows_.find(key);
      return it == rows_.end() ? nullptr : &it->second;
    }
    size_t size() const { return rows_.size(); }
    size_t dirty() const { return dirty_; }

   private:
    friend class RocksDBRowCache;
    struct Hash {
      using is_transparent = void;
      // Not noexcept: libstdc++ then caches each node's hash, so a lookup does not rehash chain keys.
      size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> rows_;
    size_t dirty_ = 0;
    int id = 0;
  };

  //! Writes rows to RocksDB: `table_id` of Table, key, value or null for a removal. Called with one
  //! table's dirty rows at a time, then `commit` once per flush or eviction.
  struct Sink {
    std::function<void(int table_id, std::string_view key, const std::string* value)> add;
    std::function<void()> commit;
  };

  //! `bound` is read on each insert (the owner's share of the slot's reservation may change).
  RocksDBRowCache(Sink sink, std::function<size_t()> bound)
      : sink_(std::move(sink)), bound_(std::move(bound)) {}

  //! A table for a new column family; `id` is passed back to the sink.
  Table* add_table(int id);
  //! Rows larger than this are not cached (read and written straight through).
  size_t max_entry_bytes() const { return bound_() / 64; }

  //! Caches `value` (or absence when null) as read from RocksDB: clean.
  void fill(Table* t, std::string_view key, const std::string* value);
  //! The entry of `key` for writing, created absent when missing; call written() after changing it.
  Entry& entry_for_write(Table* t, std::string_view key);
  //! Marks `e` (of table `t`, whose value size was `old_charge` bytes before the change) dirty and
  //! accounts its new size; may evict.
  void written(Table* t, Entry& e, size_t old_charge);
  //! Charge of one entry's value (for written()).
  static size_t value_charge(const Entry& e) { return e.value.capacity() > 15 ? e.value.capacity() + 1 : 0; }
  //! Drops `key`, dirty or not (a write around the cache superseded it).
  void drop(Table* t, std::string_view key);

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
  void count_hit() { ++hits_; }
  void count_miss() { ++misses_; }

 private:
  static size_t key_charge(std::string_view k) { return kEntryOverhead + (k.size() > 15 ? k.size() + 1 : 0); }
  void evict();
  void write_dirty(Table* t);
  void erase(Table* t, std::unordered_map<std::string, Entry, Table::Hash, std::equal_to<>>::iterator it);

  static constexpr size_t kEntryOverhead = 96;
  Sink sink_;
  std::function<size_t()> bound_;
  std::vector<std::unique_ptr<Table>> tables_;
  size_t usage_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace weir::state
