#pragma once
// The keyed-state backend of one keyed operator subtask. Keys arrive serialized: the backend never
// needs the key's C++ type, which keeps it usable from any operator and lets the heap and RocksDB
// backends share one contract. Before each record or timer the operator sets the current key; state
// accessors then act on that key's entries in its key group.
//
// Threading: owned and used by one task thread.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/common/bytes_equal.h"
#include "weir/common/data_io.h"
#include "weir/common/error.h"
#include "weir/common/key_group.h"
#include "weir/common/time.h"
#include "weir/fs/local_file_copies.h"
#include "weir/state/keyed_state_file.h"
#include "weir/state/timer_store.h"

namespace weir::state {

//! A point-in-time view of one state's entries, taken on the task thread and written later on any one
//! thread while the state goes on changing (the heap backend's copy-on-write snapshots). Destroying it
//! releases what it holds; the state's backend must outlive writing it.
class StateSnapshot {
 public:
  virtual ~StateSnapshot() = default;
  //! The bytes InternalStateBase::snapshot_key_group wrote for `kg` when the view was taken.
  virtual void write_key_group(KeyGroup kg, DataOutput& out) const = 0;
};

//! Base of every state object a backend hands out.
class InternalStateBase {
 public:
  virtual ~InternalStateBase() = default;
  //! Sets the namespace (a window, or empty for plain keyed state) that later calls act on.
  virtual void set_current_namespace(std::string_view ns) = 0;
  //! Number of live entries across all keys and namespaces (for tests and metrics).
  virtual size_t num_entries() const = 0;
  //! Removes entries whose TTL has passed (all keys).
  virtual void cleanup_expired() = 0;
  //! Writes every entry of key group `kg` (absolute index) in the canonical format:
  //! varint count, then per entry the composite key (length-prefixed key + namespace) and the value.
  virtual void snapshot_key_group(KeyGroup kg, DataOutput& out) = 0;
  //! Adds the entries a snapshot_key_group() call wrote for key group `kg`.
  virtual void restore_key_group(KeyGroup kg, DataInput& in) = 0;
  //! Removes the composite keys `in` lists (varint n, then each as bytes) from key group `kg`: the
  //! removals an incremental heap snapshot recorded (restores only).
  virtual void remove_keys(KeyGroup kg, DataInput& /*in*/) {
    throw WeirError("this state cannot apply the removals of an incremental heap snapshot (key group " +
                    std::to_string(kg) + ")");
  }
  //! A view of the entries as they are now, cheap to take (no copy of the entries); null when this
  //! state cannot give one (its snapshot is then written on the task thread). Task thread.
  virtual std::unique_ptr<StateSnapshot> pin_snapshot() { return nullptr; }
};

//! A point-in-time view of a backend's keyed state (every state, every key group of its range, restored
//! state not claimed yet) that writes the bytes of KeyedStateBackend::snapshot_key_group later, on any
//! one thread (the task's snapshot writer), while processing goes on. The backend must outlive writing
//! it; destroying it (any thread, any time) releases the state it pinned.
class KeyedStateSnapshot {
 public:
  //! Same bytes as KeyedStateBackend::snapshot_key_group(kg, out) at the time the view was taken.
  void write_key_group(KeyGroup kg, DataOutput& out) const {
    DataOutput scratch;
    uint64_t n = states_.size();
    auto pending = pending_.find(kg);
    if (pending != pending_.end()) n += pending->second.size();
    out.write_varint(n);
    for (const auto& [name, st] : states_) {
      scratch.clear();
      st->write_key_group(kg, scratch);
      out.write_bytes(name);
      out.write_bytes(scratch.view());
    }
    if (pending != pending_.end())
      for (const auto& [name, bytes] : pending->second) {
        out.write_bytes(name);
        out.write_bytes(bytes);
      }
  }

 private:
  friend class KeyedStateBackend;
  std::vector<std::pair<std::string, std::unique_ptr<StateSnapshot>>> states_;  //!< in name order
  //! Per key group: restored parts no state object claimed yet, in name order (copied when pinned).
  std::map<KeyGroup, std::vector<std::pair<std::string, std::string>>> pending_;
};

//! What a backend needs to take a native snapshot (incremental checkpoints).
struct NativeSnapshotRequest {
  int64_t checkpoint_id = 0;
  bool savepoint = false;      //!< savepoints are always canonical
  std::string checkpoint_dir;  //!< <dir>/<job-id>/chk-<n>; its parent holds shared/
};

//! A native snapshot in two parts: `handle`, taken on the task thread (cheap: e.g. hard links), and
//! `upload`, which makes the files the handle names durable (copies new files to shared storage) and
//! runs on the task's snapshot writer thread, before the task's snapshot is written. `upload` touches
//! neither the backend nor its database, so processing goes on meanwhile; it throws on failure (the
//! checkpoint is then declined). Destroying it without running it releases its local files.
//!
//! A backend may instead write its keyed state itself in the canonical format, streaming (RocksDB full
//! checkpoints and savepoints): then `handle` is empty, `keyed_state_file` names the keyed-state file
//! (keyed_state_file.h) relative to the snapshot directory, and `upload` writes it there.
struct NativeSnapshot {
  std::string handle;
  std::function<void()> upload;
  std::string keyed_state_file;
  //! True when the handle also holds the timers (KeyedStateBackend::native_snapshots_hold_timers).
  bool holds_timers = false;
  //! True when the per key group snapshot must carry only pending restored state (the rest is here).
  bool covers_states() const { return !handle.empty() || !keyed_state_file.empty(); }
};

class KeyedStateBackend {
 public:
  KeyedStateBackend(KeyGroupRange range, int32_t max_parallelism, std::shared_ptr<Clock> clock)
      : range_(range), max_parallelism_(max_parallelism), clock_(std::move(clock)) {}
  virtual ~KeyedStateBackend() = default;

  virtual std::string_view kind() const = 0;

  //! The key whose state the next accesses read and write. The same key again changes nothing: states keep
  //! what they looked up for it (a hot key's records, which often come in a row, skip the key group's
  //! hash and the tables' lookups).
  void set_current_key(std::string_view key_bytes) {
    if (key_version_ != 0 && bytes_equal(key_bytes, key_)) return;
    key_.assign(key_bytes.data(), key_bytes.size());
    key_group_ = key_group_for_key_bytes(key_bytes, max_parallelism_);
    ++key_version_;
  }
  std::string_view current_key() const { return key_; }
  KeyGroup current_key_group() const { return key_group_; }
  //! Changes whenever the current key changes: states cache their lookup key by it.
  uint64_t key_version() const { return key_version_; }
  const KeyGroupRange& key_group_range() const { return range_; }
  int32_t max_parallelism() const { return max_parallelism_; }
  Timestamp now_ms() const { return clock_->now_ms(); }

  //! The state registered under `name`, or null.
  InternalStateBase* find(const std::string& name) const {
    auto it = states_.find(name);
    return it == states_.end() ? nullptr : it->second.get();
  }
  //! Registers a state; restored entries waiting for it (see restore_key_group_raw) are loaded now.
  void add(const std::string& name, std::unique_ptr<InternalStateBase> s) {
    auto it = pending_.find(name);
    if (it != pending_.end()) {
      for (const auto& c : it->second) {
        DataInput in(c.bytes);
        if (c.removals) {
          s->remove_keys(c.kg, in);
        } else {
          s->restore_key_group(c.kg, in);
        }
      }
      pending_.erase(it);
    }
    registered(name, *s);
    states_[name] = std::move(s);
  }

  //! Snapshot of key group `kg`: every state's entries, including restored state that no function has
  //! asked for yet. Format: varint number of states, then per state its name and its entries as bytes.
  //! `pending_only`: only restored state still waiting for its state object (the rest is in a native
  //! snapshot, see snapshot_native).
  void snapshot_key_group(KeyGroup kg, DataOutput& out, bool pending_only = false) {
    std::vector<std::pair<std::string, std::string>> parts;
    DataOutput scratch;
    if (!pending_only) {
      for (auto& [name, st] : states_) {
        scratch.clear();
        st->snapshot_key_group(kg, scratch);
        parts.emplace_back(name, scratch.str());
      }
      snapshot_unregistered(kg, parts);
    }
    for (auto& [name, chunks] : pending_)
      for (auto& c : chunks)
        if (c.kg == kg) parts.emplace_back(name, canonical_bytes(name, c));
    out.write_varint(parts.size());
    for (auto& [name, bytes] : parts) {
      out.write_bytes(name);
      out.write_bytes(bytes);
    }
  }
  //! Restores what snapshot_key_group wrote. States not created yet keep their bytes until they are.
  void restore_key_group(KeyGroup kg, DataInput& in) {
    if (!range_.contains(kg))
      throw WeirError("cannot restore key group " + std::to_string(kg) + " outside this subtask's range");
    uint64_t n = in.read_varint();
    for (uint64_t i = 0; i < n; ++i) {
      std::string name(in.read_bytes());
      std::string_view bytes = in.read_bytes();
      if (auto* st = find(name)) {
        DataInput part(bytes);
        st->restore_key_group(kg, part);
      } else {
        pending_[name].push_back({kg, std::string(bytes), false});
      }
    }
  }
  const std::map<std::string, std::unique_ptr<InternalStateBase>>& states() const { return states_; }

  //! A view of every key group's keyed state to write later off the task thread (the bytes of
  //! snapshot_key_group), or null when this backend writes its snapshots on the task thread only.
  //! Task thread; O(states x key groups), not O(entries).
  virtual std::unique_ptr<KeyedStateSnapshot> pin_snapshot() { return nullptr; }

  //! A store for the timers of one domain (`name`: "event" or "processing") kept by this backend, or
  //! null when timers live on the heap (the default). Task thread.
  virtual std::shared_ptr<TimerStore> create_timer_store(const std::string& /*name*/) { return nullptr; }
  //! True when this backend's native snapshots hold the timers of its timer stores too (the heap
  //! backend's incremental checkpoints): the operator then writes no timers of its own, and hands restored
  //! canonical timers to the stores.
  virtual bool native_snapshots_hold_timers() const { return false; }

  //! Takes the synchronous part of a native (backend-specific) snapshot of the registered states and
  //! returns its handle and deferred upload, or an empty handle when this snapshot is canonical. With a
  //! handle, the per key group snapshot carries only pending restored state. Task thread.
  virtual NativeSnapshot take_native_snapshot(const NativeSnapshotRequest&) { return {}; }
  //! Both parts of take_native_snapshot() on the calling thread; returns the handle (tests, benchmarks).
  std::string snapshot_native(const NativeSnapshotRequest& req) {
    NativeSnapshot s = take_native_snapshot(req);
    if (s.upload) s.upload();
    return std::move(s.handle);
  }
  //! Restores what snapshot_native() returned, from one or more old subtasks (rescaling: rows outside
  //! this backend's key-group range are left out), read from the checkpoint in `checkpoint_dir` (where
  //! it is now: handles name their files relative to it). Called before any state is created.
  virtual void restore_native(const std::vector<std::string_view>&, const std::string& checkpoint_dir) {
    throw WeirError("the '" + std::string(kind()) +
                    "' state backend cannot restore a native (incremental RocksDB) snapshot; restore from a "
                    "savepoint, or use state.backend.type: rocksdb");
  }

  //! Restores the key groups of this backend's range from a keyed-state file (keyed_state_file.h),
  //! one record at a time. Throws SerializationError naming the file when it is damaged.
  void restore_keyed_state_file(const std::string& path);

  //! Local recovery: the directory of local copies of the shared files of this backend's incremental
  //! checkpoints (null: keep none), whether restores read them, and the subtask's local state directory
  //! (files below it are local copies: their reads count as local). Set before restoring.
  void set_local_recovery(std::shared_ptr<fs::LocalFileCopies> copies, bool restore_from_local,
                          std::string local_state_dir) {
    local_copies_ = std::move(copies);
    restore_from_local_ = restore_from_local;
    local_state_dir_ = std::move(local_state_dir);
  }
  //! What restoring read: from the checkpoint storage, and from local copies; one line per local copy
  //! found unusable (read remotely instead).
  struct RestoreReads {
    uint64_t remote_bytes = 0;
    uint64_t local_bytes = 0;
    std::vector<std::string> local_fallbacks;
  };
  const RestoreReads& restore_reads() const { return restore_reads_; }

  //! Restores one record of a keyed-state file: `n` delimited entries of state `name` in key group
  //! `kg`. The default converts them to the canonical bytes of restore_key_group.
  virtual void restore_rows(KeyGroup kg, std::string_view name, RowLayout layout, uint64_t n,
                            DataInput& entries);

  //! Index of the current key group within this backend's range; throws if the key is not ours.
  int32_t local_key_group_index() const {
    if (!range_.contains(key_group_))
      throw WeirError("key group " + std::to_string(key_group_) + " is outside this subtask's range [" +
                      std::to_string(range_.start) + ", " + std::to_string(range_.end) + "]");
    return key_group_ - range_.start;
  }

 protected:
  //! pin_snapshot() of every registered state, or null when one of them cannot give one.
  std::unique_ptr<KeyedStateSnapshot> pin_registered_states() {
    auto s = std::make_unique<KeyedStateSnapshot>();
    for (auto& [name, st] : states_) {
      auto pinned = st->pin_snapshot();
      if (!pinned) return nullptr;
      s->states_.emplace_back(name, std::move(pinned));
    }
    for (const auto& [name, chunks] : pending_)
      for (const auto& c : chunks) s->pending_[c.kg].emplace_back(name, canonical_bytes(name, c));
    return s;
  }
  //! Restored state of one state name and key group that waits for its state object: canonical entries
  //! (InternalStateBase::restore_key_group), or keys to remove (InternalStateBase::remove_keys, from
  //! incremental heap snapshots), applied in order when the state is registered.
  struct PendingChunk {
    KeyGroup kg = 0;
    std::string bytes;
    bool removals = false;
  };
  const std::map<std::string, std::vector<PendingChunk>>& pending_chunks() const { return pending_; }
  //! Removes restored keys (varint n, then each composite key as bytes) of state `name` in key group
  //! `kg`, or queues the removal until the state is registered.
  void restore_removals(KeyGroup kg, const std::string& name, std::string_view bytes) {
    if (!range_.contains(kg))
      throw WeirError("cannot restore key group " + std::to_string(kg) + " outside this subtask's range");
    if (auto* st = find(name)) {
      DataInput in(bytes);
      st->remove_keys(kg, in);
    } else {
      pending_[name].push_back({kg, std::string(bytes), true});
    }
  }
  //! Local recovery (set_local_recovery): the copies directory when backups are kept, else null.
  const std::shared_ptr<fs::LocalFileCopies>& local_copies() const { return local_copies_; }
  //! The verified local copy of the shared file `path` names, when restores may read copies; a copy
  //! found unusable is noted in restore_reads().local_fallbacks.
  std::optional<std::string> local_copy_of(const std::string& path) {
    if (!local_copies_ || !restore_from_local_) return std::nullopt;
    std::string why;
    auto found = local_copies_->find(fs::LocalFileCopies::name_of(path), &why);
    if (!found && !why.empty()) restore_reads_.local_fallbacks.push_back(std::move(why));
    return found;
  }
  //! Counts `bytes` read to restore from `path` (local when below the local state directory).
  void count_restore_read(const std::string& path, uint64_t bytes) {
    count_restore_bytes(!local_state_dir_.empty() && path.rfind(local_state_dir_ + "/", 0) == 0, bytes);
  }
  void count_restore_bytes(bool local, uint64_t bytes) {
    (local ? restore_reads_.local_bytes : restore_reads_.remote_bytes) += bytes;
  }
  //! Called when a state is registered, after its pending restored state was loaded into it.
  virtual void registered(const std::string& /*name*/, InternalStateBase& /*state*/) {}
  //! Adds the canonical parts of states that exist in the backend but have no state object yet and are
  //! not in pending_ (the RocksDB backend's restored column families).
  virtual void snapshot_unregistered(KeyGroup, std::vector<std::pair<std::string, std::string>>&) {}

 private:
  KeyGroupRange range_;
  int32_t max_parallelism_;
  std::shared_ptr<Clock> clock_;
  std::string key_;
  KeyGroup key_group_ = 0;
  uint64_t key_version_ = 0;
  std::map<std::string, std::unique_ptr<InternalStateBase>> states_;
  //! A pending chunk's canonical bytes; removals cannot be expressed in canonical snapshots.
  static const std::string& canonical_bytes(const std::string& name, const PendingChunk& c) {
    if (c.removals)
      throw WeirError("state '" + name +
                      "' was restored from an incremental heap checkpoint and has not been accessed since; "
                      "a canonical snapshot (a savepoint) needs it loaded first: access the state once "
                      "(e.g. in open()) before taking one");
    return c.bytes;
  }
  std::map<std::string, std::vector<PendingChunk>> pending_;
  std::shared_ptr<fs::LocalFileCopies> local_copies_;
  bool restore_from_local_ = false;
  std::string local_state_dir_;
  RestoreReads restore_reads_;
};

}  // namespace weir::state
