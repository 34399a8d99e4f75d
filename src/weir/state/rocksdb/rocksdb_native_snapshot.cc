// Native snapshots of the RocksDB backend (incremental checkpoints) and their restore.
//
// A native snapshot is a RocksDB checkpoint (hard links of the live SST files plus copies of the small
// MANIFEST/CURRENT/OPTIONS files) taken into a local directory. SST files are immutable, so a file
// uploaded once to <job dir>/shared/ serves every later checkpoint that still contains it: only new
// files are uploaded. The handle lists the shared files, inlines the small private files, and names
// the key-group range. Beside the task's snapshot the backend writes `<instance>.shared-refs` listing
// the shared files, which the JobMaster's SharedStateRegistry counts (checkpoint/shared_state_registry.h).
// The task thread takes the checkpoint and lists the files; the snapshot writer thread uploads them.
//
// Restore: one old instance covering exactly this range is opened in place (files hard-linked from
// shared/); otherwise (rescaling) each old instance is opened and the rows of this range's key groups
// are copied into a fresh database.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/fs/file_system.h"
#include "weir/fs/local_file_copies.h"
#include "weir/state/heap/heap_chain_handle.h"
#include "weir/state/rocksdb/rocksdb_db_options.h"
#include "weir/state/rocksdb/rocksdb_keyed_state_backend.h"
#include "weir/state/rocksdb/rocksdb_resources.h"

namespace weir::state {

namespace fs = std::filesystem;

namespace {
constexpr uint32_t kHandleMagic = 0x534e5257;  // "WRNS"

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw WeirError(fmt::format("RocksDB state backend: {} failed: {}", what, s.ToString()));
}

struct NativeHandle {
  KeyGroupRange range;
  struct SharedFile {
    std::string local_name;
    //! Relative to the job directory of the checkpoint that holds the handle (the parent of its
    //! chk-<n>), e.g. "shared/<file>", so the checkpoint base directory can move as a whole. Handles
    //! written before paths were relative hold absolute paths, which still resolve.
    std::string path;
    uint64_t size = 0;
  };
  std::vector<SharedFile> shared;
  std::vector<std::pair<std::string, std::string>> private_files;  //!< name, contents

  std::string encode() const {
    DataOutput out;
    out.write_fixed<uint32_t>(kHandleMagic);
    out.write_varint(static_cast<uint64_t>(range.start));
    out.write_varint(static_cast<uint64_t>(range.end));
    out.write_varint(shared.size());
    for (const auto& f : shared) {
      out.write_bytes(f.local_name);
      out.write_bytes(f.path);
      out.write_varint(f.size);
    }
    out.write_varint(private_files.size());
    for (const auto& [name, bytes] : private_files) {
      out.write_bytes(name);
      out.write_bytes(bytes);
    }
    return out.str();
  }
  static NativeHandle decode(std::string_view bytes) {
    DataInput in(bytes);
    if (in.read_fixed<uint32_t>() != kHandleMagic)
      throw SerializationError("not a RocksDB native snapshot handle");
    NativeHandle h;
    h.range.start = static_cast<KeyGroup>(in.read_varint());
    h.range.end = static_cast<KeyGroup>(in.read_varint());
    for (uint64_t n = in.read_varint(); n > 0; --n) {
      SharedFile f;
      f.local_name = std::string(in.read_bytes());
      f.path = std::string(in.read_bytes());
      f.size = in.read_varint();
      h.shared.push_back(std::move(f));
    }
    for (uint64_t n = in.read_varint(); n > 0; --n) {
      std::string name(in.read_bytes());
      h.private_files.emplace_back(std::move(name), std::string(in.read_bytes()));
    }
    return h;
  }
};

std::string read_whole_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw WeirError("RocksDB state backend: cannot read " + p.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_whole_file(const fs::path& p, std::string_view bytes) {
  fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!o) throw WeirError("RocksDB state backend: cannot write " + p.string());
  }
  fs::rename(tmp, p);
}

struct RemoveOnExit {
  explicit RemoveOnExit(fs::path p) : path(std::move(p)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  fs::path path;
  ~RemoveOnExit() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

//! The job directory a handle's relative paths start from: the parent of the checkpoint directory
//! (a local path or a URI: shared files live wherever the checkpoints do).
::weir::fs::Path job_dir_of(const std::string& checkpoint_dir) {
  return ::weir::fs::Path::parse(checkpoint_dir).parent();
}

//! Resolves the shared paths of a handle read from `checkpoint_dir` to full ones (local or URI).
void resolve_paths(NativeHandle& h, const std::string& checkpoint_dir) {
  ::weir::fs::Path base = job_dir_of(checkpoint_dir);
  for (auto& f : h.shared)
    f.path =
        (f.path.front() == '/' || f.path.find("://") != std::string::npos) ? f.path : (base / f.path).str();
}

//! Where materialize() finds a verified local copy of a shared file (local recovery), and how it counts
//! what it reads (true: from a local copy).
struct MaterializeHooks {
  std::function<std::optional<std::string>(const std::string& path)> local_copy;
  std::function<void(bool local, uint64_t bytes)> count;
};

//! Materializes a handle as a local database directory: shared files from verified local copies when
//! there are some, else hard-linked when they are local (copied across devices), downloaded from an
//! object store otherwise.
void materialize(const NativeHandle& h, const fs::path& dir, const MaterializeHooks& hooks) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& f : h.shared) {
    if (auto local = hooks.local_copy(f.path)) {
      std::error_code ec;
      fs::create_hard_link(*local, dir / f.local_name, ec);
      if (ec) fs::copy_file(*local, dir / f.local_name, fs::copy_options::overwrite_existing);
      hooks.count(true, f.size);
      continue;
    }
    hooks.count(false, f.size);
    ::weir::fs::Path p = ::weir::fs::Path::parse(f.path);
    auto remote = ::weir::fs::get(p);
    if (!remote->exists(p))
      throw WeirError(fmt::format(
          "RocksDB state backend: the incremental checkpoint references '{}', which does not exist (was a "
          "shared file deleted, or the checkpoint directory moved without its job's shared/ directory?)",
          f.path));
    if (p.is_local()) {
      std::error_code ec;
      fs::create_hard_link(p.key(), dir / f.local_name, ec);
      if (!ec) continue;
    }
    remote->download(p, (dir / f.local_name).string());
  }
  for (const auto& [name, bytes] : h.private_files) {
    write_whole_file(dir / name, bytes);
  }
}
}  // namespace

// Synchronous part (task thread): flush, RocksDB checkpoint (hard links), list the files. The upload of
// the SST files runs later on the snapshot writer thread, from the hard links, so compactions that delete
// the originals meanwhile do not matter. `uploaded_` is updated here already: the writer runs one
// checkpoint after another, and each upload copies every listed file that is not in shared/ yet, so a
// file whose earlier upload failed or is still queued is still copied before a checkpoint refers to it.
NativeSnapshot RocksDBKeyedStateBackend::take_native_snapshot(const NativeSnapshotRequest& req) {
  cache_->flush_all();  // every snapshot, native or canonical, starts from RocksDB holding everything
  // Without a directory (tests, benchmarks) the operator snapshots key group by key group in memory.
  if (req.checkpoint_dir.empty()) return {};
  if (!opts_.incremental || req.savepoint) {
    // Small state: the operator's in-memory snapshot by key group is bounded by the state and cheaper
    // than a RocksDB checkpoint plus a read-only open on the writer thread (frequent checkpoints of
    // small jobs). Larger state streams.
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    for (auto& [name, cf] : cfs_) handles.push_back(cf->handle);
    if (!handles.empty()) check(db_->Flush(rocksdb::FlushOptions(), handles), "flush");
    if (approximate_size() < kStreamFullSnapshotsFrom) return {};
    return take_full_snapshot(req);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (auto& [name, cf] : cfs_) handles.push_back(cf->handle);
  if (!handles.empty()) check(db_->Flush(rocksdb::FlushOptions(), handles), "flush");
  fs::path local = fs::path(instance_dir_) / fmt::format("chk-{}", req.checkpoint_id);
  fs::remove_all(local);
  // Owned by the upload: removed after it ran, or when the snapshot is dropped unfinished.
  auto cleanup = std::make_shared<RemoveOnExit>(local);
  rocksdb::Checkpoint* raw = nullptr;
  check(rocksdb::Checkpoint::Create(db_.get(), &raw), "creating a checkpoint object");
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  check(cp->CreateCheckpoint(local.string(), UINT64_MAX), "RocksDB checkpoint");

  const ::weir::fs::Path job_dir = job_dir_of(req.checkpoint_dir);
  const ::weir::fs::Path shared_dir = job_dir / "shared";
  NativeHandle h;
  h.range = key_group_range();
  std::map<std::string, std::string> still_live;
  std::vector<std::pair<fs::path, std::string>> files;  // local hard link, shared target
  for (const auto& e : fs::directory_iterator(local)) {
    std::string name = e.path().filename().string();
    if (e.path().extension() == ".sst") {
      auto it = uploaded_.find(name);
      std::string target =
          it != uploaded_.end() ? it->second : (shared_dir / fmt::format("{}-{}", instance_id_, name)).str();
      still_live[name] = target;
      ::weir::fs::Path tp = ::weir::fs::Path::parse(target);
      // Relative to the job directory when inside it (a file of another job's directory stays whole).
      h.shared.push_back({name, job_dir.contains(tp) ? job_dir.relative(tp) : target,
                          static_cast<uint64_t>(fs::file_size(e.path()))});
      files.emplace_back(e.path(), std::move(target));
    } else {
      h.private_files.emplace_back(name, read_whole_file(e.path()));
    }
  }
  uploaded_ = std::move(still_live);
  // The JobMaster counts references to shared files through this list (one line per file, relative to
  // the job directory like the handle; checkpoint::read_shared_refs resolves them).
  std::string refs;
  for (const auto& f : h.shared) refs += f.path + "\n";

  NativeSnapshot out;
  out.handle = h.encode();
  out.upload = [cleanup = std::move(cleanup), files = std::move(files), refs = std::move(refs),
                checkpoint_dir = req.checkpoint_dir, instance = instance_id_, copies = local_copies(),
                checkpoint_id = req.checkpoint_id]() {
    // Through the file-system layer: each file durable (or a completed upload) before the task acks.
    std::vector<std::string> copy_names;
    for (const auto& [from, target] : files) {
      ::weir::fs::Path tp = ::weir::fs::Path::parse(target);
      auto store = ::weir::fs::get(tp);
      if (!store->exists(tp)) store->upload(from.string(), tp);  // else uploaded by an earlier checkpoint
      // Local recovery: a hard link of each SST file this checkpoint needs among the local copies.
      if (copies) {
        copy_names.push_back(::weir::fs::LocalFileCopies::name_of(target));
        try {
          if (!copies->has(copy_names.back())) copies->add(from.string(), copy_names.back());
        } catch (const std::exception& e) {
          log::get("state").warn("local recovery: no local copy of '{}': {}", target, e.what());
        }
      }
    }
    if (copies) {
      try {
        copies->reference(checkpoint_id, instance, copy_names);
      } catch (const std::exception& e) {
        log::get("state").warn("local recovery: cannot note the copies checkpoint {} needs: {}",
                               checkpoint_id, e.what());
      }
    }
    ::weir::fs::Path refs_path = ::weir::fs::Path::parse(checkpoint_dir) / (instance + ".shared-refs");
    ::weir::fs::get(refs_path)->write_file(refs_path, refs);
  };
  return out;
}

void RocksDBKeyedStateBackend::restore_native(const std::vector<std::string_view>& encoded,
                                              const std::string& checkpoint_dir) {
  std::vector<NativeHandle> handles;
  for (auto bytes : encoded) {
    if (HeapChainHandle::is_one(bytes))
      throw WeirError(
          "the RocksDB state backend cannot restore this checkpoint: it was taken by the 'hashmap' backend "
          "with incremental checkpoints; restore from a savepoint, or use state.backend.type: hashmap");
    handles.push_back(NativeHandle::decode(bytes));
    resolve_paths(handles.back(), checkpoint_dir);
  }
  const MaterializeHooks hooks{[this](const std::string& path) { return local_copy_of(path); },
                               [this](bool local, uint64_t bytes) { count_restore_bytes(local, bytes); }};
  const KeyGroupRange& mine = key_group_range();
  if (handles.size() == 1 && handles[0].range.start == mine.start && handles[0].range.end == mine.end) {
    // Same range: the old instance becomes this one; its files are already in shared/.
    close_db();
    materialize(handles[0], path_, hooks);
    open_db(true);
    uploaded_.clear();
    for (const auto& f : handles[0].shared) uploaded_[f.local_name] = f.path;
    return;
  }
  // Rescaling: copy this range's rows out of every old instance that overlaps it.
  std::string lower, upper;
  for (size_t i = 0; i < handles.size(); ++i) {
    const auto& h = handles[i];
    KeyGroup from = std::max(h.range.start, mine.start), to = std::min(h.range.end, mine.end);
    if (from > to) continue;
    fs::path dir = fs::path(instance_dir_) / fmt::format("restore-{}", i);
    RemoveOnExit cleanup{dir};
    materialize(h, dir, hooks);
    rocksdb::DBOptions dbo = rocks::db_options(*resources_);
    std::vector<std::string> names;
    check(rocksdb::DB::ListColumnFamilies(dbo, dir.string(), &names), "listing column families");
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    for (const auto& n : names)
      descs.emplace_back(n, rocks::cf_options(*resources_, nullptr, rocks::layout_of_column_family(n)));
    std::vector<rocksdb::ColumnFamilyHandle*> old_cfs;
    rocksdb::DB* old_raw = nullptr;
    check(rocksdb::DB::OpenForReadOnly(dbo, dir.string(), descs, &old_cfs, &old_raw),
          "opening an old instance");
    std::unique_ptr<rocksdb::DB> old(old_raw);
    lower.clear();
    upper.clear();
    rocks::append_key_group(lower, from);
    if (to + 1 <= 0xffff) rocks::append_key_group(upper, to + 1);
    for (size_t c = 0; c < names.size(); ++c) {
      if (names[c] == rocksdb::kDefaultColumnFamilyName) continue;
      RocksDBColumnFamily* target = existing_or_new_column_family(names[c]);
      if (target->cache) cache_->forget_contents(target->cache);  // rows arrive around the cache
      rocksdb::ReadOptions ro;
      ro.total_order_seek = true;
      rocksdb::Slice upper_slice(upper);
      if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
      std::unique_ptr<rocksdb::Iterator> it(old->NewIterator(ro, old_cfs[c]));
      rocksdb::WriteBatch batch;
      rocksdb::WriteOptions wo;
      wo.disableWAL = true;
      for (it->Seek(lower); it->Valid(); it->Next()) {
        batch.Put(target->handle, it->key(), it->value());
        if (batch.GetDataSize() > (4 << 20)) {
          check(db_->Write(wo, &batch), "restore write");
          batch.Clear();
        }
      }
      check(it->status(), "restore iteration");
      if (batch.Count() > 0) check(db_->Write(wo, &batch), "restore write");
    }
    for (auto* cf : old_cfs) old->DestroyColumnFamilyHandle(cf);
    old->Close();
  }
}

RocksDBColumnFamily* RocksDBKeyedStateBackend::existing_or_new_column_family(const std::string& cf_name) {
  if (auto it = cfs_.find(cf_name); it != cfs_.end()) return it->second.get();
  auto filter = std::make_shared<TtlFilterFactory>(static_cast<rocks::Layout>(cf_name[0]), clock_);
  rocksdb::ColumnFamilyHandle* hnd = nullptr;
  check(db_->CreateColumnFamily(
            rocks::cf_options(*resources_, filter, rocks::layout_of_column_family(cf_name)), cf_name, &hnd),
        "creating a column family");
  RocksDBColumnFamily* cf = add_column_family(cf_name, hnd, /*known_empty=*/true);
  cf->ttl_filter = filter;
  return cf;
}

}  // namespace weir::state
