#include "weir/state/rocksdb/rocksdb_keyed_state_backend.h"

#include <algorithm>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "weir/common/error.h"
#include "weir/state/rocksdb/rocksdb_db_options.h"
#include "weir/state/rocksdb/rocksdb_resources.h"
#include "weir/state/rocksdb/rocksdb_timer_store.h"

namespace weir::state {

namespace fs = std::filesystem;
using rocks::Layout;

namespace {
void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw WeirError(fmt::format("RocksDB state backend: {} failed: {}", what, s.ToString()));
}
rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}
std::string_view view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

std::string random_id() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
               static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return fmt::format("{:012x}{:04x}", r & 0xffffffffffffULL, counter++ & 0xffff);
}

const rocksdb::ReadOptions& read_opts() {
  static rocksdb::ReadOptions ro;
  return ro;
}
const rocksdb::WriteOptions& write_opts() {
  // No write-ahead log: checkpoints, not the WAL, make state durable (as in Flink).
  static rocksdb::WriteOptions wo = [] {
    rocksdb::WriteOptions w;
    w.disableWAL = true;
    return w;
  }();
  return wo;
}
//! RocksDB counts into its thread-local perf context by default (kEnableCount), a TLS lookup and
//! counter updates on every Get/Put (4 % of q9). Off for the calling (task) thread, once per thread.
void disable_perf_context() {
  thread_local bool disabled = false;
  if (!disabled) {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    disabled = true;
  }
}

//! Length of the "key group | u32 len | key | u32 ns len | ns" prefix of a map row.
size_t map_prefix_len(std::string_view row) {
  uint32_t klen = rocks::read_u32(row.data() + 2);
  uint32_t nslen = rocks::read_u32(row.data() + 6 + klen);
  return 10 + klen + nslen;
}
}  // namespace

RocksDBKeyedStateBackend::RocksDBKeyedStateBackend(KeyGroupRange range, int32_t max_parallelism,
                                                   std::shared_ptr<Clock> clock, RocksDBBackendOptions opts)
    : KeyedStateBackend(range, max_parallelism, clock), opts_(std::move(opts)), clock_(std::move(clock)) {
  if (max_parallelism > 65536)
    throw ConfigError(
        "the RocksDB state backend supports at most 65536 key groups (pipeline.max-parallelism)");
  resources_ = RocksDBSharedResources::for_slot(opts_.slot_key, opts_.memory_budget, opts_.write_buffer_ratio,
                                                opts_.high_prio_pool_ratio, opts_.write_back_cache_ratio);
  resources_->attach();
  cache_batch_ = std::make_unique<rocksdb::WriteBatch>();
  RocksDBRowCache::Sink sink;
  // Write-backs are collected and written in key order per column family: the cache hands them over
  // in hash order, and sorted inserts are what the memtable skiplist does cheaply (it resumes the
  // search from the previous insert's position; larger sorted batches are cheaper: q18 at 10M events
  // ran at 400k/core with 1 MB batches, 515k with 8 MB). At most one memtable's size goes in one
  // batch: an eviction may hand over half the cache, and a batch sits in memory three times (here, in
  // the WriteBatch, in a memtable past its size) beyond the budget.
  write_back_chunk_ = std::max<size_t>(resources_->write_buffer_size(), 1 << 20);
  sink.add = [this](int id, std::string_view key, const std::string_view* value) {
    WriteBack row{static_cast<uint32_t>(id), write_back_bytes_.size(), static_cast<uint32_t>(key.size()),
                  value ? static_cast<int64_t>(value->size()) : -1};
    write_back_bytes_.append(key);
    if (value) write_back_bytes_.append(*value);
    write_backs_.push_back(row);
    if (write_back_bytes_.size() >= write_back_chunk_) write_back_pending();
  };
  sink.commit = [this] { write_back_pending(); };
  cache_ = std::make_unique<RocksDBRowCache>(std::move(sink),
                                             [r = resources_.get()] { return r->row_cache_share(); });
  fs::path base = opts_.local_dir.empty() ? fs::temp_directory_path() : fs::path(opts_.local_dir);
  instance_id_ = random_id();
  instance_dir_ = (base / fmt::format("weir-rocksdb-{}-{}", opts_.instance_name, instance_id_)).string();
  path_ = (fs::path(instance_dir_) / "db").string();
  std::error_code ec;
  fs::create_directories(instance_dir_, ec);
  if (ec)
    throw ConfigError(
        fmt::format("state.backend.rocksdb.localdir: cannot create '{}': {}", base.string(), ec.message()));
  open_db(false);
}

void RocksDBKeyedStateBackend::write_back_pending() {
  if (write_backs_.empty()) return;
  const char* bytes = write_back_bytes_.data();
  std::sort(write_backs_.begin(), write_backs_.end(), [bytes](const WriteBack& a, const WriteBack& b) {
    if (a.table != b.table) return a.table < b.table;
    return std::string_view(bytes + a.offset, a.key_size) < std::string_view(bytes + b.offset, b.key_size);
  });
  for (const WriteBack& r : write_backs_) {
    rocksdb::ColumnFamilyHandle* h = by_cache_id_[r.table]->handle;
    rocksdb::Slice key(bytes + r.offset, r.key_size);
    if (r.value_size >= 0) {
      check(cache_batch_->Put(h, key, rocksdb::Slice(bytes + r.offset + r.key_size, r.value_size)),
            "write-back");
    } else {
      check(cache_batch_->Delete(h, key), "write-back");
    }
  }
  write_backs_.clear();
  write_back_bytes_.clear();
  check(db_->Write(write_opts(), cache_batch_.get()), "write-back");
  cache_batch_->Clear();
}

RocksDBKeyedStateBackend::~RocksDBKeyedStateBackend() {
  close_db();
  resources_->detach();
  std::error_code ec;
  fs::remove_all(instance_dir_, ec);
}

void RocksDBKeyedStateBackend::open_db(bool existing) {
  rocksdb::DBOptions dbo = rocks::db_options(*resources_);
  std::vector<std::string> names{rocksdb::kDefaultColumnFamilyName};
  if (existing) check(rocksdb::DB::ListColumnFamilies(dbo, path_, &names), "listing column families");
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  std::vector<std::shared_ptr<TtlFilterFactory>> filters;
  for (const auto& n : names) {
    Layout layout = n.size() > 2 && n[1] == '/' ? static_cast<Layout>(n[0]) : Layout::kValue;
    filters.push_back(std::make_shared<TtlFilterFactory>(layout, clock_));
    descs.emplace_back(n, rocks::cf_options(*resources_, filters.back(), rocks::layout_of_column_family(n)));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  check(rocksdb::DB::Open(dbo, path_, descs, &handles, &db), "opening the database");
  db_.reset(db);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == rocksdb::kDefaultColumnFamilyName) {
      default_cf_ = handles[i];
      continue;
    }
    auto* cf = add_column_family(names[i], handles[i], /*known_empty=*/false);
    cf->ttl_filter = filters[i];
  }
}

void RocksDBKeyedStateBackend::close_db() {
  if (!db_) return;
  cache_->reset();  // closed for good or replaced by restored files: what is cached is gone either way
  by_cache_id_.clear();
  for (auto& [name, cf] : cfs_) db_->DestroyColumnFamilyHandle(cf->handle);
  if (default_cf_) db_->DestroyColumnFamilyHandle(default_cf_);
  default_cf_ = nullptr;
  cfs_.clear();
  db_->Close();
  db_.reset();
}

RocksDBColumnFamily* RocksDBKeyedStateBackend::add_column_family(const std::string& cf_name,
                                                                 rocksdb::ColumnFamilyHandle* h,
                                                                 bool known_empty) {
  auto cf = std::make_unique<RocksDBColumnFamily>();
  cf->layout = static_cast<Layout>(cf_name[0]);
  cf->state_name = cf_name.substr(2);
  cf->handle = h;
  if (resources_->row_cache_bytes() > 0 &&
      (cf->layout == Layout::kValue || cf->layout == Layout::kList || cf->layout == Layout::kMap)) {
    cf->cache = cache_->add_table(static_cast<int>(by_cache_id_.size()), known_empty);
    by_cache_id_.push_back(cf.get());
  }
  auto* raw = cf.get();
  cfs_[cf_name] = std::move(cf);
  return raw;
}

RocksDBColumnFamily* RocksDBKeyedStateBackend::column_family(const std::string& name, Layout layout,
                                                             const std::optional<StateTtlConfig>& ttl) {
  for (auto& [cf_name, cf] : cfs_)
    if (cf->state_name == name && cf->layout != layout)
      throw JobDefinitionError("state '" + name + "' is already registered with another type");
  std::string cf_name = std::string(1, static_cast<char>(layout)) + "/" + name;
  RocksDBColumnFamily* cf;
  if (auto it = cfs_.find(cf_name); it != cfs_.end()) {
    cf = it->second.get();
  } else {
    auto filter = std::make_shared<TtlFilterFactory>(layout, clock_);
    rocksdb::ColumnFamilyHandle* h = nullptr;
    check(db_->CreateColumnFamily(rocks::cf_options(*resources_, filter, layout), cf_name, &h),
          "creating a column family");
    cf = add_column_family(cf_name, h, /*known_empty=*/true);
    cf->ttl_filter = filter;
  }
  cf->registered = true;
  if (ttl && ttl->enabled()) cf->ttl_filter->set_ttl_ms(ttl->ttl_ms);
  return cf;
}

// Rows of value and list column families go through the write-back cache (rocksdb_row_cache.h):
// a hit is a hash lookup; writes stay in the cache until evicted or flushed.
bool RocksDBKeyedStateBackend::get(RocksDBColumnFamily* cf, std::string_view key, std::string* value) {
  uint64_t hash = 0;  // of key, once the cache missed
  if (auto* t = cf->cache) {
    if (auto* e = cache_->find(t, key, &hash)) {
      if (!e->present) return false;
      value->assign(e->value());
      return true;
    }
    if (!cache_->may_exist(t, hash)) {  // never written: no row in RocksDB
      cache_->fill(t, key, hash, nullptr);
      return false;
    }
  }
  disable_perf_context();
  auto s = db_->Get(read_opts(), cf->handle, slice(key), value);
  bool found = !s.IsNotFound();
  if (found) check(s, "get");
  if (cf->cache && (!found || value->size() <= cache_->max_entry_bytes())) {
    std::string_view v = *value;
    cache_->fill(cf->cache, key, hash, found ? &v : nullptr);
  }
  return found;
}
void RocksDBKeyedStateBackend::put(RocksDBColumnFamily* cf, std::string_view key, std::string_view value) {
  if (auto* t = cf->cache) {
    if (value.size() <= cache_->max_entry_bytes()) {
      cache_->put(t, key, value);
      return;
    }
    cache_->drop(t, key);  // too large to cache: the write below supersedes any cached version
    cache_->note_written(t, key);
  }
  disable_perf_context();
  check(db_->Put(write_opts(), cf->handle, slice(key), slice(value)), "put");
}
void RocksDBKeyedStateBackend::merge(RocksDBColumnFamily* cf, std::string_view key, std::string_view value) {
  // A cached list row takes the operand here (list merging is appending), and so does a row RocksDB
  // never had (the key filter says so); otherwise RocksDB merges without a read.
  if (auto* t = cf->cache) {
    if (cache_->append(t, key, value)) return;
    if (!cache_->may_exist(t, key) && value.size() <= cache_->max_entry_bytes()) {
      cache_->put(t, key, value);  // a new row: the operand is all of it
      return;
    }
    cache_->note_written(t, key);
  }
  disable_perf_context();
  check(db_->Merge(write_opts(), cf->handle, slice(key), slice(value)), "merge");
}
void RocksDBKeyedStateBackend::remove(RocksDBColumnFamily* cf, std::string_view key) {
  if (auto* t = cf->cache) {
    cache_->remove(t, key);
    return;
  }
  disable_perf_context();
  check(db_->Delete(write_opts(), cf->handle, slice(key)), "delete");
}

void RocksDBKeyedStateBackend::flush_row_cache() {
  cache_->flush_all();
}

struct RocksDBKeyedStateBackend::PrefixIterator::Impl {
  std::string upper;
  rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it;
};
RocksDBKeyedStateBackend::PrefixIterator::PrefixIterator(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
RocksDBKeyedStateBackend::PrefixIterator::PrefixIterator(PrefixIterator&&) noexcept = default;
RocksDBKeyedStateBackend::PrefixIterator::~PrefixIterator() = default;
bool RocksDBKeyedStateBackend::PrefixIterator::valid() const {
  if (impl_->it->Valid()) return true;
  check(impl_->it->status(), "iterate");
  return false;
}
std::string_view RocksDBKeyedStateBackend::PrefixIterator::key() const {
  return view(impl_->it->key());
}
std::string_view RocksDBKeyedStateBackend::PrefixIterator::value() const {
  return view(impl_->it->value());
}
void RocksDBKeyedStateBackend::PrefixIterator::next() {
  impl_->it->Next();
}

RocksDBKeyedStateBackend::PrefixIterator RocksDBKeyedStateBackend::iterate(RocksDBColumnFamily* cf,
                                                                           std::string_view prefix,
                                                                           std::string_view seek_from) {
  if (cf->cache) cache_->flush(cf->cache);  // the scan must see the cached writes
  auto impl = std::make_unique<PrefixIterator::Impl>();
  impl->upper = rocks::prefix_successor(std::string(prefix));
  rocksdb::ReadOptions ro;
  // Scans of one key use prefix seek; wider scans (key groups, everything) need total order.
  ro.total_order_seek = !rocks::prefix_iteration(cf->layout, prefix);
  if (!impl->upper.empty()) {
    impl->upper_slice = slice(impl->upper);
    ro.iterate_upper_bound = &impl->upper_slice;
  }
  impl->it.reset(db_->NewIterator(ro, cf->handle));
  if (!seek_from.empty()) {
    impl->it->Seek(slice(seek_from));
  } else if (prefix.empty()) {
    impl->it->SeekToFirst();
  } else {
    impl->it->Seek(slice(prefix));
  }
  return PrefixIterator(std::move(impl));
}

void RocksDBKeyedStateBackend::remove_prefix(RocksDBColumnFamily* cf, std::string_view prefix) {
  rocksdb::WriteBatch batch;
  for (auto it = iterate(cf, prefix); it.valid(); it.next()) batch.Delete(cf->handle, slice(it.key()));
  if (batch.Count() > 0) check(db_->Write(write_opts(), &batch), "delete range");
  if (cf->cache) cache_->invalidate(cf->cache, prefix);
}

size_t RocksDBKeyedStateBackend::count_entries(RocksDBColumnFamily* cf) {
  size_t n = 0;
  std::string last;
  for (auto it = iterate(cf, {}); it.valid(); it.next()) {
    if (cf->layout != Layout::kMap) {
      ++n;
      continue;
    }
    std::string_view prefix = it.key().substr(0, map_prefix_len(it.key()));
    if (prefix != last) {
      ++n;
      last.assign(prefix);
    }
  }
  return n;
}

void RocksDBKeyedStateBackend::cleanup_expired(RocksDBColumnFamily* cf, int64_t ttl_ms) {
  if (ttl_ms <= 0) return;
  Timestamp now = clock_->now_ms();
  rocksdb::WriteBatch batch;
  std::string rewritten;
  for (auto it = iterate(cf, {}); it.valid(); it.next()) {
    switch (rocks::apply_ttl(cf->layout, it.value(), now, ttl_ms, &rewritten)) {
      case rocks::TtlVerdict::kKeep:
        break;
      case rocks::TtlVerdict::kRemove:
        batch.Delete(cf->handle, slice(it.key()));
        break;
      case rocks::TtlVerdict::kRewrite:
        batch.Put(cf->handle, slice(it.key()), slice(rewritten));
        break;
    }
  }
  if (batch.Count() > 0) check(db_->Write(write_opts(), &batch), "TTL cleanup");
  if (cf->cache) cache_->invalidate(cf->cache, {});  // cached copies of rewritten rows are stale
}

void RocksDBKeyedStateBackend::snapshot_rows(RocksDBColumnFamily* cf, KeyGroup kg, DataOutput& out) {
  // Flush first (once; later key groups find the memtable empty): in-place updates make a memtable
  // iterator see writes made after it was created.
  check(db_->Flush(rocksdb::FlushOptions(), cf->handle), "flush");
  std::string prefix;
  rocks::append_key_group(prefix, kg);
  DataOutput rows;
  uint64_t n = 0;
  if (cf->layout == Layout::kMap) {
    // Rows of one (key, namespace) are adjacent: they become one canonical entry with a count.
    std::string group;  // current row prefix
    DataOutput entries;
    uint64_t m = 0;
    auto flush = [&] {
      if (group.empty()) return;
      uint32_t klen = rocks::read_u32(group.data() + 2);
      std::string composite = group.substr(2, 4 + klen) + group.substr(10 + klen);
      rows.write_bytes(composite);
      rows.write_varint(m);
      rows.write_raw(entries.data(), entries.size());
      entries.clear();
      m = 0;
      ++n;
    };
    for (auto it = iterate(cf, prefix); it.valid(); it.next()) {
      std::string_view key = it.key();
      size_t plen = map_prefix_len(key);
      if (key.substr(0, plen) != group) {
        flush();
        group.assign(key.substr(0, plen));
      }
      std::string_view ukey = key.substr(plen);
      entries.write_raw(ukey.data(), ukey.size());
      entries.write_raw(it.value().data(), it.value().size());
      ++m;
    }
    flush();
  } else {
    for (auto it = iterate(cf, prefix); it.valid(); it.next()) {
      rows.write_bytes(it.key().substr(2));
      std::string_view v = it.value();
      if (cf->layout == Layout::kValue) {
        rows.write_raw(v.data(), v.size());
      } else {
        // List: count the elements, then write them without their length prefixes.
        uint64_t count = 0;
        for (DataInput in(v); !in.at_end(); in.skip_bytes()) ++count;
        rows.write_varint(count);
        for (DataInput in(v); !in.at_end();) {
          std::string_view e = in.read_bytes();
          rows.write_raw(e.data(), e.size());
        }
      }
      ++n;
    }
  }
  out.write_varint(n);
  out.write_raw(rows.data(), rows.size());
}

void RocksDBKeyedStateBackend::snapshot_unregistered(
    KeyGroup kg, std::vector<std::pair<std::string, std::string>>& parts) {
  DataOutput o;
  for (auto& [cf_name, cf] : cfs_) {
    if (cf->registered || cf->layout == Layout::kTimer) continue;  // timers are snapshotted by their service
    o.clear();
    snapshot_rows(cf.get(), kg, o);
    parts.emplace_back(cf->state_name, o.str());
  }
}

void RocksDBKeyedStateBackend::compact_all() {
  cache_->flush_all();
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto& [name, cf] : cfs_) {
    check(db_->Flush(rocksdb::FlushOptions(), cf->handle), "flush");
    check(db_->CompactRange(co, cf->handle, nullptr, nullptr), "compaction");
  }
}

std::shared_ptr<TimerStore> RocksDBKeyedStateBackend::create_timer_store(const std::string& name) {
  if (!opts_.timers_in_rocksdb) return nullptr;
  return std::make_unique<RocksDBTimerStore>(this, name);
}

uint64_t RocksDBKeyedStateBackend::approximate_size() const {
  uint64_t total = 0, v = 0;
  for (const auto& [name, cf] : cfs_) {
    if (db_->GetIntProperty(cf->handle, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) total += v;
  }
  return total;
}

size_t RocksDBKeyedStateBackend::memory_usage() const {
  if (resources_->cache()) return resources_->cache()->GetUsage();
  uint64_t mem = 0, v = 0;
  for (const auto& [name, cf] : cfs_) {
    if (db_->GetIntProperty(cf->handle, rocksdb::DB::Properties::kSizeAllMemTables, &v)) mem += v;
  }
  return mem;
}

}  // namespace weir::state
