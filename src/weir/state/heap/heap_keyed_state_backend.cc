// Incremental checkpoints of the heap backend.
//
// A checkpoint pins, on the task thread, each state's changes since the previous checkpoint (the
// copy-on-write map's change tracking: O(key groups)) and takes each timer domain's log of changes;
// the snapshot writer thread then writes them, key group by key group, into one new chain file in the
// job's shared/ directory. The handle names the whole chain; `<instance>.shared-refs` beside the task's
// snapshot lists it, so the JobMaster's SharedStateRegistry keeps every file a retained checkpoint
// needs and deletes the others. A chain starts over with a full snapshot (everything, written the same
// way) when it is empty, broken (a part was not written), too long, or its increments outweigh its base:
// that bounds the files a restore reads to about twice the state, and amortizes full snapshots.
//
// Parts are written in order on the task's one writer thread; each increment checks that the part
// before it was written (its sequence number), so a chain never names a file that does not exist.
#include "weir/state/heap/heap_keyed_state_backend.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "weir/common/log.h"
#include "weir/fs/file_system.h"
#include "weir/fs/local_file_copies.h"
#include "weir/state/heap/heap_chain_handle.h"
#include "weir/state/heap/heap_state_changes.h"
#include "weir/state/keyed_state_file.h"

namespace weir::state {

namespace {
std::string random_instance_id() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
               static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return fmt::format("heap-{:012x}{:04x}", r & 0xffffffffffffULL, counter++ & 0xffff);
}

bool is_full_path(const std::string& p) {
  return p.front() == '/' || p.find("://") != std::string::npos;
}

const char* const kTimerDomains[] = {"event", "processing"};
}  // namespace

HeapKeyedStateBackend::HeapKeyedStateBackend(KeyGroupRange range, int32_t max_parallelism,
                                             std::shared_ptr<Clock> clock, HeapBackendOptions opts)
    : KeyedStateBackend(range, max_parallelism, std::move(clock)),
      opts_(opts),
      instance_id_(random_instance_id()) {}

HeapTimerStore& HeapKeyedStateBackend::timer_store(const std::string& name) {
  auto& s = timers_[name];
  if (!s) s = std::make_shared<HeapTimerStore>(key_group_range());
  return *s;
}

std::shared_ptr<TimerStore> HeapKeyedStateBackend::create_timer_store(const std::string& name) {
  if (!opts_.incremental) return nullptr;
  timer_store(name);
  return timers_[name];
}

void HeapKeyedStateBackend::registered(const std::string&, InternalStateBase& state) {
  if (!opts_.incremental) return;
  // Restored entries it just loaded are in the chain already: tracking starts after them.
  if (auto* tracked = dynamic_cast<ChangeTrackedState*>(&state)) tracked->track_changes();
}

NativeSnapshot HeapKeyedStateBackend::take_native_snapshot(const NativeSnapshotRequest& req) {
  if (!opts_.incremental || req.savepoint || req.checkpoint_dir.empty()) return {};
  std::vector<std::pair<std::string, ChangeTrackedState*>> tracked;
  for (const auto& [name, st] : states()) {
    auto* t = dynamic_cast<ChangeTrackedState*>(st.get());
    if (!t) return {};  // a state that cannot track changes: canonical snapshots
    tracked.emplace_back(name, t);
  }
  bool full;
  {
    std::lock_guard lock(progress_->mu);
    full = chain_.empty() || progress_->broken || chain_.size() >= kMaxChainFiles ||
           progress_->delta_bytes >= std::max(progress_->base_bytes, kMinRebaseBytes);
    if (full) progress_->broken = false;
  }
  if (full) chain_.clear();
  const uint64_t seq = ++seq_;
  const uint64_t predecessor = full ? 0 : seq - 1;

  const ::weir::fs::Path job_dir = ::weir::fs::Path::parse(req.checkpoint_dir).parent();
  const std::string name = fmt::format("{}-{}-{}.heap-chain", instance_id_, req.checkpoint_id, seq);
  const std::string relative = "shared/" + name;
  const std::string path = (job_dir / relative).str();
  chain_.push_back(relative);

  // The synchronous part: O(states x key groups), plus every timer for a full snapshot.
  struct Pinned {
    std::vector<std::pair<std::string, std::unique_ptr<StateChanges>>> states;
    std::map<std::string, std::vector<PendingChunk>> pending;  //!< full snapshots: not loaded yet
    std::vector<std::pair<std::string, std::vector<HeapTimerStore::GroupChanges>>> timers;
  };
  auto pinned = std::make_shared<Pinned>();
  for (auto& [state_name, t] : tracked) pinned->states.emplace_back(state_name, t->pin_changes(full));
  // Restored state not loaded into a state object is in the chain already, unless this starts one.
  if (full) pinned->pending = pending_chunks();
  for (const char* domain : kTimerDomains)
    if (auto it = timers_.find(domain); it != timers_.end())
      pinned->timers.emplace_back(domain, it->second->take_changes(full));

  std::string refs;
  std::vector<std::string> copy_names;  // local recovery: the chain's files by their copies' names
  for (const auto& f : chain_) {
    refs += f + "\n";
    copy_names.push_back(::weir::fs::LocalFileCopies::name_of(f));
  }
  NativeSnapshot out;
  out.handle = HeapChainHandle{key_group_range(), chain_}.encode();
  out.holds_timers = true;
  out.upload = [pinned, progress = progress_, range = key_group_range(), path, seq, predecessor, full,
                refs = std::move(refs), checkpoint_dir = req.checkpoint_dir, instance = instance_id_,
                copies = local_copies(), copy_names = std::move(copy_names), name,
                checkpoint_id = req.checkpoint_id]() mutable {
    try {
      if (!full) {
        std::lock_guard lock(progress->mu);
        if (progress->broken || progress->last_written != predecessor)
          throw WeirError(fmt::format(
              "heap incremental checkpoint: the chain part before '{}' was not written (an earlier "
              "checkpoint failed); the next checkpoint starts a new chain",
              path));
      }
      // With local recovery the part is written to the local copies first and uploaded from there (a
      // copy that cannot be written is left out: the part goes straight to the checkpoint storage).
      std::string target = path;
      if (copies) {
        try {
          std::filesystem::create_directories(copies->dir());
          target = copies->path_of(name);
        } catch (const std::exception& e) {
          log::get("state").warn("local recovery: no local copy of '{}': {}", path, e.what());
        }
      }
      KeyedStateFileWriter w(target, KeyedFileKind::kHeapChain);
      DataOutput one;
      for (KeyGroup kg = range.start; kg <= range.end; ++kg) {
        for (const auto& [state_name, changes] : pinned->states) changes->write_key_group(kg, state_name, w);
        for (const auto& [state_name, chunks] : pinned->pending)
          for (const auto& c : chunks) {
            if (c.kg != kg) continue;
            if (c.removals) {
              DataInput in(c.bytes);
              uint64_t n = in.read_varint();
              w.write_record(kg, state_name, RowLayout::kRemovals, n, in.rest());
            } else {
              one.clear();
              one.write_bytes(c.bytes);
              w.write_record(kg, state_name, RowLayout::kCanonical, 1, one.view());
            }
          }
        for (const auto& [domain, groups] : pinned->timers) {
          const auto& g = groups[static_cast<size_t>(kg - range.start)];
          if (g.count > 0) w.write_record(kg, domain, RowLayout::kTimers, g.count, g.ops);
        }
      }
      w.finish();
      pinned.reset();
      if (target != path) {
        ::weir::fs::Path remote = ::weir::fs::Path::parse(path);
        ::weir::fs::get(remote)->upload(target, remote);
        try {
          copies->seal(name);
          copies->reference(checkpoint_id, instance, copy_names);
        } catch (const std::exception& e) {
          log::get("state").warn("local recovery: no local copy of '{}': {}", path, e.what());
        }
      }
      ::weir::fs::Path refs_path = ::weir::fs::Path::parse(checkpoint_dir) / (instance + ".shared-refs");
      ::weir::fs::get(refs_path)->write_file(refs_path, refs);
      std::lock_guard lock(progress->mu);
      progress->last_written = seq;
      if (full) {
        progress->base_bytes = w.bytes_written();
        progress->delta_bytes = 0;
      } else {
        progress->delta_bytes += w.bytes_written();
      }
    } catch (...) {
      std::lock_guard lock(progress->mu);
      progress->broken = true;
      throw;
    }
  };
  return out;
}

void HeapKeyedStateBackend::restore_native(const std::vector<std::string_view>& encoded,
                                           const std::string& checkpoint_dir) {
  const ::weir::fs::Path job_dir = ::weir::fs::Path::parse(checkpoint_dir).parent();
  std::vector<HeapChainHandle> handles;
  for (auto bytes : encoded) {
    if (!HeapChainHandle::is_one(bytes))
      throw WeirError(
          "the 'hashmap' state backend cannot restore this checkpoint: it was taken by the RocksDB backend "
          "with incremental checkpoints; restore from a savepoint, or use state.backend.type: rocksdb");
    handles.push_back(HeapChainHandle::decode(bytes));
  }
  const KeyGroupRange& mine = key_group_range();
  uint64_t sizes[2] = {0, 0};  // base, increments (of an adopted chain)
  const bool adopt = handles.size() == 1 && handles[0].range == mine;
  for (const auto& h : handles) {
    if (std::max(h.range.start, mine.start) > std::min(h.range.end, mine.end)) continue;
    for (size_t i = 0; i < h.files.size(); ++i) {
      const std::string path = is_full_path(h.files[i]) ? h.files[i] : (job_dir / h.files[i]).str();
      // Local recovery: a verified local copy; else, for a chain this subtask goes on with while it keeps
      // copies, download the part into them (it reads the whole part either way) and read that.
      std::string from = path;
      bool downloaded = false;
      if (auto local = local_copy_of(path)) {
        from = *local;
      } else if (adopt && local_copies()) {
        const std::string copy_name = ::weir::fs::LocalFileCopies::name_of(path);
        try {
          std::filesystem::create_directories(local_copies()->dir());
          const std::string local_path = local_copies()->path_of(copy_name);
          ::weir::fs::Path remote = ::weir::fs::Path::parse(path);
          ::weir::fs::get(remote)->download(remote, local_path);
          local_copies()->seal(copy_name);
          from = local_path;
          downloaded = true;
        } catch (const std::exception& e) {
          log::get("state").warn("local recovery: no local copy of '{}': {}", path, e.what());
        }
      }
      uint64_t read = read_keyed_state_file(
          from, mine,
          [&](KeyGroup kg, std::string_view state, RowLayout layout, uint64_t n, DataInput& in) {
            const std::string name(state);
            switch (layout) {
              case RowLayout::kRemovals: {
                DataOutput keys;
                keys.write_varint(n);
                std::string_view rest = in.rest();
                keys.write_raw(rest.data(), rest.size());
                restore_removals(kg, name, keys.view());
                break;
              }
              case RowLayout::kCanonical: {
                DataOutput part;  // the shape restore_key_group reads: one state, its bytes
                part.write_varint(1);
                part.write_bytes(name);
                part.write_bytes(in.read_bytes());
                DataInput pin(part.view());
                restore_key_group(kg, pin);
                break;
              }
              case RowLayout::kTimers:
                timer_store(name).apply(kg, n, in);
                break;
              default:
                restore_rows(kg, name, layout, n, in);
            }
          },
          KeyedFileKind::kHeapChain);
      uint64_t size = 0;
      if (handles.size() == 1 || downloaded) {
        auto st = ::weir::fs::get(::weir::fs::Path::parse(from))->stat(::weir::fs::Path::parse(from));
        size = st ? st->size : 0;
        if (handles.size() == 1) sizes[i == 0 ? 0 : 1] += size;
      }
      if (downloaded)
        count_restore_read(path, size);  // the whole part came from the checkpoint storage
      else
        count_restore_read(from, read);
    }
  }
  for (auto& [name, store] : timers_) store->forget_changes();
  // The same range: the chain goes on from the restored one; otherwise the next checkpoint starts one.
  if (adopt) {
    chain_ = handles[0].files;
    seq_ = 0;
    std::lock_guard lock(progress_->mu);
    progress_->last_written = 0;
    progress_->broken = false;
    progress_->base_bytes = sizes[0];
    progress_->delta_bytes = sizes[1];
  } else {
    chain_.clear();
  }
}

}  // namespace weir::state
