// Full (canonical) snapshots of the RocksDB backend, streamed: full checkpoints and savepoints.
//
// The task thread flushes and takes a RocksDB checkpoint (hard links) into a local directory, as for
// incremental checkpoints. The snapshot writer thread then opens that copy read-only and writes every
// key group of every state to a keyed-state file (state/keyed_state_file.h) beside the task snapshot,
// a record of at most about 1 MB at a time, reading through the slot's block cache without filling it.
// Neither side holds the state in memory: what a snapshot costs in memory is one record plus RocksDB's
// iterator, whatever the state's size. Restore reads the file a record at a time and writes the rows
// of this backend's key groups straight into their column families (restore_rows).
//
// Timers are not in the file: the timer service snapshots them per key group (they stay in the task
// snapshot), whether they live on the heap or in RocksDB.
#include <filesystem>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include "weir/common/error.h"
#include "weir/state/keyed_state_file.h"
#include "weir/state/rocksdb/rocksdb_db_options.h"
#include "weir/state/rocksdb/rocksdb_keyed_state_backend.h"
#include "weir/state/rocksdb/rocksdb_resources.h"

namespace weir::state {

namespace fs = std::filesystem;
using rocks::Layout;

namespace {
constexpr size_t kRecordBytes = 1 << 20;

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw WeirError(fmt::format("RocksDB state backend: {} failed: {}", what, s.ToString()));
}

//! Removes a local checkpoint directory when the snapshot that owns it is done or dropped.
struct LocalCopy {
  fs::path path;
  ~LocalCopy() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

//! Writes the rows of every state column family of the database in `dir` (key groups `range`) to the
//! keyed-state file `target`. Snapshot writer thread.
void write_keyed_state_file(const fs::path& dir, const RocksDBSharedResources& resources,
                            const KeyGroupRange& range, const std::string& target) {
  rocksdb::DBOptions dbo = rocks::db_options(resources);
  std::vector<std::string> names;
  check(rocksdb::DB::ListColumnFamilies(dbo, dir.string(), &names), "listing column families");
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names)
    descs.emplace_back(n, rocks::cf_options(resources, nullptr, rocks::layout_of_column_family(n)));
  // Handles go before the database, also when writing fails half-way (the snapshot directory of an
  // aborted checkpoint may vanish under the writer): RocksDB asserts that nothing refers to a column
  // family when it closes.
  struct ReadOnlyDB {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> cfs;
    ~ReadOnlyDB() {
      if (!db) return;
      for (auto* cf : cfs) db->DestroyColumnFamilyHandle(cf);
      db->Close();
    }
  } ro_db;
  rocksdb::DB* raw = nullptr;
  check(rocksdb::DB::OpenForReadOnly(dbo, dir.string(), descs, &ro_db.cfs, &raw),
        "opening the snapshot copy");
  ro_db.db.reset(raw);
  rocksdb::DB* db = raw;
  const auto& cfs = ro_db.cfs;

  KeyedStateFileWriter out(target);
  std::string lower, upper;
  rocks::append_key_group(lower, range.start);
  if (range.end + 1 <= 0xffff) rocks::append_key_group(upper, range.end + 1);
  DataOutput entries, group_rows;
  for (size_t c = 0; c < names.size(); ++c) {
    const std::string& name = names[c];
    if (name.size() < 3 || name[1] != '/' || name[0] == static_cast<char>(Layout::kTimer)) continue;
    const auto layout = static_cast<RowLayout>(name[0]);
    const std::string_view state = std::string_view(name).substr(2);
    KeyGroup kg = -1;
    uint64_t n = 0;
    auto write_record = [&] {
      if (n > 0) out.write_record(kg, state, layout, n, entries.view());
      entries.clear();
      n = 0;
    };
    // Map rows of one (key, namespace) form one canonical entry: collected in group_rows.
    std::string group;
    uint64_t group_size = 0;
    auto end_group = [&] {
      if (group.empty()) return;
      uint32_t klen = rocks::read_u32(group.data() + 2);
      entries.write_bytes(group.substr(2, 4 + klen) + group.substr(10 + klen));
      entries.write_varint(group_size);
      entries.write_raw(group_rows.data(), group_rows.size());
      group_rows.clear();
      group.clear();
      group_size = 0;
      ++n;
    };

    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    ro.fill_cache = false;  // a one-pass scan: do not push the live state's blocks out of the cache
    rocksdb::Slice upper_slice(upper);
    if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cfs[c]));
    for (it->Seek(lower); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      std::string_view value(it->value().data(), it->value().size());
      KeyGroup row_kg = rocks::key_group_of_row(key);
      if (row_kg != kg) {
        end_group();
        write_record();
        kg = row_kg;
      }
      switch (layout) {
        case RowLayout::kValue:
          entries.write_bytes(key.substr(2));
          entries.write_bytes(value);
          ++n;
          break;
        case RowLayout::kList: {
          // The row is already "(varint length | element)*": count the elements, copy it whole.
          uint64_t count = 0;
          for (DataInput in(value); !in.at_end(); in.skip_bytes()) ++count;
          entries.write_bytes(key.substr(2));
          entries.write_varint(count);
          entries.write_raw(value.data(), value.size());
          ++n;
          break;
        }
        case RowLayout::kMap: {
          uint32_t klen = rocks::read_u32(key.data() + 2);
          uint32_t nslen = rocks::read_u32(key.data() + 6 + klen);
          size_t plen = 10 + klen + nslen;
          if (key.substr(0, plen) != group) {
            end_group();
            group.assign(key.substr(0, plen));
          }
          group_rows.write_bytes(key.substr(plen));
          group_rows.write_bytes(value);
          ++group_size;
          break;
        }
        default:
          throw WeirError(
              fmt::format("RocksDB state backend: column family '{}' has an unknown layout", name));
      }
      if (entries.size() >= kRecordBytes) write_record();  // a record never splits one entry
    }
    check(it->status(), "snapshot iteration");
    end_group();
    write_record();
  }
  out.finish();
}
}  // namespace

NativeSnapshot RocksDBKeyedStateBackend::take_full_snapshot(const NativeSnapshotRequest& req) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (auto& [name, cf] : cfs_) handles.push_back(cf->handle);
  if (!handles.empty()) check(db_->Flush(rocksdb::FlushOptions(), handles), "flush");
  fs::path local =
      fs::path(instance_dir_) / fmt::format("{}-{}", req.savepoint ? "savepoint" : "full", req.checkpoint_id);
  fs::remove_all(local);
  auto copy = std::make_shared<LocalCopy>(LocalCopy{local});
  rocksdb::Checkpoint* raw = nullptr;
  check(rocksdb::Checkpoint::Create(db_.get(), &raw), "creating a checkpoint object");
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  check(cp->CreateCheckpoint(local.string(), UINT64_MAX), "RocksDB checkpoint");

  NativeSnapshot out;
  out.keyed_state_file = instance_id_ + ".keyed-state";
  out.upload = [copy = std::move(copy), resources = resources_, range = key_group_range(),
                target = req.checkpoint_dir + "/" + out.keyed_state_file] {
    write_keyed_state_file(copy->path, *resources, range, target);
  };
  return out;
}

void RocksDBKeyedStateBackend::restore_rows(KeyGroup kg, std::string_view name, RowLayout layout, uint64_t n,
                                            DataInput& in) {
  RocksDBColumnFamily* cf =
      existing_or_new_column_family(std::string(1, static_cast<char>(layout)) + "/" + std::string(name));
  if (cf->cache) {
    cache_->invalidate(cf->cache, {});   // restore runs before processing: normally empty
    cache_->forget_contents(cf->cache);  // the rows below go around the cache
  }
  rocksdb::WriteBatch batch;
  std::string row;
  DataOutput list;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view composite = in.read_bytes();
    row.clear();
    rocks::append_key_group(row, kg);
    if (layout == RowLayout::kMap) {
      uint32_t klen = rocks::read_u32(composite.data());
      row.append(composite.substr(0, 4 + klen));
      rocks::append_u32(row, static_cast<uint32_t>(composite.size() - 4 - klen));
      row.append(composite.substr(4 + klen));
      const size_t prefix = row.size();
      for (uint64_t m = in.read_varint(); m > 0; --m) {
        row.resize(prefix);
        row.append(in.read_bytes());
        std::string_view v = in.read_bytes();
        check(batch.Put(cf->handle, row, rocksdb::Slice(v.data(), v.size())), "restore");
      }
      continue;
    }
    row.append(composite);
    if (layout == RowLayout::kValue) {
      std::string_view v = in.read_bytes();
      check(batch.Put(cf->handle, row, rocksdb::Slice(v.data(), v.size())), "restore");
      continue;
    }
    list.clear();
    for (uint64_t m = in.read_varint(); m > 0; --m) list.write_bytes(in.read_bytes());
    check(batch.Put(cf->handle, row, rocksdb::Slice(reinterpret_cast<const char*>(list.data()), list.size())),
          "restore");
  }
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  if (batch.Count() > 0) check(db_->Write(wo, &batch), "restore write");
}

}  // namespace weir::state
