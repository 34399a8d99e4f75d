#pragma once
// The storage of one heap state: per key group a hash map from composite key (key bytes, namespace
// bytes) to entry, whose point-in-time snapshots cost O(number of key groups) on the task thread and
// are read on another thread while the task thread goes on writing. The idea is Flink's
// CopyOnWriteStateMap; the structure differs: open addressing (linear probing over an array of
// (hash, node pointer) slots) instead of chains, so nodes carry no links and a snapshot is just the
// group's slot array, never a chain that a later write would have to copy a prefix of.
//
// Versions. The map has a current version (starting at 1). Every node and every slot array carries the
// version at which it was made. snapshot() pins the current version v, records each group's slot
// array, and moves the current version to v + 1. While a snapshot with version s exists, everything
// stamped <= s is frozen: the task thread never changes it. Writing a frozen node first replaces it by a
// copy (the entry's copy constructor: a deep copy, as Flink copies with the state serializer), and
// changing a frozen slot array (insert, erase, replace, rehash) first replaces it by a copy (a memcpy
// of the group's slots, once per group per snapshot). The frozen originals are retired; a retired thing
// made at version c and retired at version r is seen exactly by the snapshots with c <= s < r, and is
// freed once none of those is still held.
//
// Threading: everything except Snapshot's readers belongs to the task thread. A Snapshot may be read
// and destroyed on any one thread; it reads only frozen nodes and arrays, which nobody writes while it
// exists. Destroying it queues its version (under a mutex); the task thread takes the queue (same
// mutex) before it frees what only that snapshot saw, which orders the snapshot's reads before the
// frees. The map must outlive reading its snapshots (destroying a snapshot after the map is fine).
// When no snapshot is held any more, everything retired is handed to the reclaimer thread as one batch
// (reclaimer.h), so the task thread never pauses for millions of frees after a large snapshot.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weir/common/bytes_equal.h"
#include "weir/state/heap/reclaimer.h"

namespace weir::state {

//! Versions of snapshots destroyed (on any thread) that the map's task thread has not yet taken.
class SnapshotReleaseQueue {
 public:
  void push(uint64_t version) {
    std::lock_guard lock(mu_);
    released_.push_back(version);
    pending_.store(true, std::memory_order_release);
  }
  //! Cheap check for the task thread's write paths.
  bool pending() const { return pending_.load(std::memory_order_acquire); }
  std::vector<uint64_t> take() {
    std::lock_guard lock(mu_);
    pending_.store(false, std::memory_order_relaxed);
    return std::exchange(released_, {});
  }

 private:
  std::mutex mu_;
  std::vector<uint64_t> released_;
  std::atomic<bool> pending_{false};
};

template <typename Entry>
class CopyOnWriteStateMap {
  struct SlotArray;

 public:
  //! One mapping. Key and hash never change; `value` changes only while the node is not frozen. The
  //! key's bytes follow the node in the same allocation: one allocation per mapping, and a lookup that
  //! compares keys touches the node's own cache lines (a std::string member would allocate its bytes
  //! apart once they exceed its 15 inline bytes: a (long, TimeWindow) composite key is 28).
  struct Node {
    const uint64_t hash;
    //! Map version when this node was made, or last marked changed (change tracking): raised only while
    //! no snapshot still held can see the node.
    uint64_t version;
    Entry value;

    std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_size_}; }

    static Node* make(uint64_t h, uint64_t v, std::string_view k, Entry e) {
      void* at = ::operator new(sizeof(Node) + k.size());
      Node* n = new (at) Node(h, v, static_cast<uint32_t>(k.size()), std::move(e));
      if (!k.empty()) std::memcpy(reinterpret_cast<char*>(n + 1), k.data(), k.size());
      return n;
    }
    static void destroy(Node* n) noexcept {
      if (!n) return;
      n->~Node();
      ::operator delete(n);
    }

   private:
    Node(uint64_t h, uint64_t v, uint32_t key_size, Entry e)
        : hash(h), version(v), value(std::move(e)), key_size_(key_size) {}
    ~Node() = default;
    const uint32_t key_size_;
  };

  //! The map as it was when snapshot() was called. Read-only; any one thread.
  class Snapshot {
   public:
    ~Snapshot() { releases_->push(version_); }
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    uint64_t version() const { return version_; }
    size_t group_size(size_t g) const { return groups_[g] ? groups_[g]->size : 0; }
    //! Calls f(const Node&) for every mapping of local key group `g` at the time of the snapshot.
    template <typename F>
    void for_each(size_t g, F&& f) const {
      if (const SlotArray* a = groups_[g])
        for (const Slot& s : a->slots)
          if (s.node) f(*s.node);
    }
    //! A snapshot_changes() snapshot: calls f(const Node&) for every mapping of group `g` made or
    //! changed since the previous one (every mapping when `all` was asked for).
    template <typename F>
    void for_each_changed(size_t g, F&& f) const {
      if (const SlotArray* a = groups_[g])
        for (const Slot& s : a->slots)
          if (s.node && s.version > since_) f(*s.node);  // the slot's copy: no miss on unchanged nodes
    }
    //! A snapshot_changes() snapshot: the keys of group `g` removed since the previous one (in removal
    //! order; a key may also be among the changed mappings, when it was added again after).
    const std::vector<std::string>& removed(size_t g) const {
      static const std::vector<std::string> kNone;
      return removed_.empty() ? kNone : removed_[g];
    }

   private:
    friend class CopyOnWriteStateMap;
    Snapshot(std::shared_ptr<SnapshotReleaseQueue> q, uint64_t v, size_t n)
        : releases_(std::move(q)), version_(v), groups_(n) {}
    std::shared_ptr<SnapshotReleaseQueue> releases_;
    uint64_t version_;
    std::vector<const SlotArray*> groups_;
    uint64_t since_ = 0;                             //!< snapshot_changes(): changes after this version
    std::vector<std::vector<std::string>> removed_;  //!< snapshot_changes(): per group, removed keys
  };

  explicit CopyOnWriteStateMap(size_t num_groups)
      : groups_(num_groups), releases_(std::make_shared<SnapshotReleaseQueue>()) {}
  CopyOnWriteStateMap(const CopyOnWriteStateMap&) = delete;
  CopyOnWriteStateMap& operator=(const CopyOnWriteStateMap&) = delete;
  //! REQUIRES: no snapshot of this map is being read (destroying one later is fine).
  ~CopyOnWriteStateMap() {
    for (auto& a : groups_)
      if (a)
        for (Slot& s : a->slots) delete_node(s.node);
    for (auto& r : retired_nodes_) delete_node(r.node);
  }

  size_t num_groups() const { return groups_.size(); }
  size_t size() const { return size_; }
  size_t group_size(size_t g) const { return groups_[g] ? groups_[g]->size : 0; }
  //! Nodes and slot arrays kept only for snapshots still held (tests and metrics).
  size_t num_retired() const { return retired_nodes_.size() + retired_arrays_.size(); }
  //! Snapshots taken and not yet known to be released.
  size_t num_active_snapshots() const { return active_.size(); }

  //! True when `n` may be changed in place: no snapshot still held can see it, and (change tracking) it
  //! is already marked changed since the last snapshot_changes().
  bool writable(const Node* n) const { return n->version > floor_; }

  //! The node of `key` in local key group `g`, or null. It may be frozen: read it, do not change it.
  Node* find(size_t g, std::string_view key, uint64_t hash) const {
    const SlotArray* a = groups_[g].get();
    if (!a) return nullptr;
    size_t i = a->find(key, hash);
    return i == kNone ? nullptr : a->slots[i].node;
  }
  //! The node of `key`, copied first if frozen, so that its value may be changed; or null.
  Node* find_writable(size_t g, std::string_view key, uint64_t hash) {
    Node* n = find(g, key, hash);
    if (!n || writable(n)) return n;
    return copy_on_write(g, key, hash);
  }
  //! The writable node of `key`, made with a default Entry if absent.
  Node* get_or_create(size_t g, std::string_view key, uint64_t hash) {
    if (Node* n = find(g, key, hash)) return writable(n) ? n : copy_on_write(g, key, hash);
    return insert_new(g, key, hash, Entry{});
  }
  //! Removes `key`; false when absent.
  bool erase(size_t g, std::string_view key, uint64_t hash) {
    if (!find(g, key, hash)) return false;
    SlotArray& a = writable_array(g);
    size_t i = a.find(key, hash);
    Node* n = a.slots[i].node;
    a.erase_at(i);
    --size_;
    if (tracking_) removed_[g].emplace_back(n->key());
    retire_or_delete(n);
    return true;
  }
  //! Sets `key` to `value` (restores).
  void insert_or_assign(size_t g, std::string_view key, uint64_t hash, Entry value) {
    if (Node* n = find(g, key, hash)) {
      if (!writable(n)) n = copy_on_write(g, key, hash);
      n->value = std::move(value);
      return;
    }
    insert_new(g, key, hash, std::move(value));
  }

  //! Calls f(const Node&) for every mapping of local key group `g` now (may see frozen nodes).
  template <typename F>
  void for_each(size_t g, F&& f) const {
    if (const SlotArray* a = groups_[g].get())
      for (const Slot& s : a->slots)
        if (s.node) f(*s.node);
  }
  //! For every mapping with needs(const Entry&): copies it if frozen, then calls change(Entry&), and
  //! removes the mapping when that returns true (TTL cleanup).
  template <typename Needs, typename Change>
  void update_where(Needs&& needs, Change&& change) {
    std::vector<std::pair<std::string, uint64_t>> emptied;
    for (size_t g = 0; g < groups_.size(); ++g) {
      emptied.clear();
      // Index-based: the first copy-on-write may replace the group's array (positions stay the same).
      for (size_t i = 0; groups_[g] && i < groups_[g]->slots.size(); ++i) {
        Node* n = groups_[g]->slots[i].node;
        if (!n || !needs(std::as_const(n->value))) continue;
        if (!writable(n)) n = copy_on_write(g, n->key(), n->hash);
        if (change(n->value)) emptied.emplace_back(n->key(), n->hash);
      }
      // Erasing shifts slots back, so it waits until the scan of the group is done.
      for (auto& [key, hash] : emptied) erase(g, key, hash);
    }
  }

  //! Pins the map as it is now. O(number of key groups). Task thread.
  std::unique_ptr<Snapshot> snapshot() {
    take_releases();
    uint64_t v = version_++;
    active_.push_back(v);
    required_ = v;
    update_floor();
    std::unique_ptr<Snapshot> s(new Snapshot(releases_, v, groups_.size()));
    for (size_t g = 0; g < groups_.size(); ++g) s->groups_[g] = groups_[g].get();
    return s;
  }

  // ---- change tracking (incremental snapshots) ----
  // Once started, every change after a snapshot_changes() stamps the node with a newer version (a frozen
  // node is copied as usual; a node no held snapshot sees is re-stamped in place), and every removal
  // records its key, so the next snapshot_changes() can hand out exactly what changed since.

  //! Starts change tracking with everything in the map counted as already written (restored state).
  void track_changes() {
    tracking_ = true;
    removed_.assign(groups_.size(), {});
    tracked_ = version_++;
    update_floor();
  }
  bool tracking_changes() const { return tracking_; }
  //! A snapshot() whose for_each_changed() and removed() give what changed since the previous
  //! snapshot_changes() (or everything, with `all`); the next one then starts from it. REQUIRES:
  //! tracking. O(number of key groups). Task thread.
  std::unique_ptr<Snapshot> snapshot_changes(bool all) {
    const uint64_t since = all ? 0 : tracked_;
    std::unique_ptr<Snapshot> s = snapshot();
    s->since_ = since;
    if (all) {
      for (auto& r : removed_) r.clear();
    } else {
      s->removed_ = std::exchange(removed_, std::vector<std::vector<std::string>>(groups_.size()));
    }
    tracked_ = s->version();
    update_floor();
    return s;
  }
  //! Frees what released snapshots alone still needed. Called by the write paths that retire things
  //! and by snapshot(); tests call it to observe reclamation. Task thread.
  void take_releases() {
    if (!releases_->pending()) return;
    for (uint64_t v : releases_->take()) std::erase(active_, v);
    required_ = active_.empty() ? 0 : *std::max_element(active_.begin(), active_.end());
    update_floor();
    if (active_.empty()) {
      // No snapshot is held: everything retired goes, as one batch freed off this thread.
      if (!retired_nodes_.empty() || !retired_arrays_.empty()) {
        auto batch = std::make_unique<RetiredBatch>();
        batch->nodes.swap(retired_nodes_);
        batch->arrays.swap(retired_arrays_);
        reclaim_later(std::move(batch));
      }
      return;
    }
    auto seen = [&](uint64_t made, uint64_t retired) {
      return std::any_of(active_.begin(), active_.end(),
                         [&](uint64_t s) { return made <= s && s < retired; });
    };
    std::erase_if(retired_nodes_, [&](RetiredNode& r) {
      if (seen(r.node->version, r.retired_at)) return false;
      delete_node(r.node);
      return true;
    });
    std::erase_if(retired_arrays_,
                  [&](const RetiredArray& r) { return !seen(r.array->version, r.retired_at); });
  }

 private:
  static constexpr size_t kNone = ~size_t{0};
  static constexpr size_t kInitialCapacity = 8;  // power of two

  struct Slot {
    uint64_t hash = 0;
    Node* node = nullptr;  //!< null: empty
    //! The node's version, kept beside it so that finding the changed nodes (snapshot_changes) scans
    //! the slot arrays without touching the unchanged nodes.
    uint64_t version = 0;
  };
  //! A group's open-addressing table; capacity a power of two, at most 3/4 full.
  struct SlotArray {
    SlotArray(uint64_t v, size_t capacity) : version(v), slots(capacity) {}
    SlotArray(uint64_t v, const SlotArray& from) : version(v), size(from.size), slots(from.slots) {}
    uint64_t version;
    size_t size = 0;
    std::vector<Slot> slots;

    size_t mask() const { return slots.size() - 1; }
    size_t find(std::string_view key, uint64_t hash) const {
      for (size_t i = hash & mask();; i = (i + 1) & mask()) {
        const Slot& s = slots[i];
        if (!s.node) return kNone;
        if (s.hash == hash && bytes_equal(s.node->key(), key)) return i;
      }
    }
    void place(uint64_t hash, Node* n) {
      size_t i = hash & mask();
      while (slots[i].node) i = (i + 1) & mask();
      slots[i] = {hash, n, n->version};
      ++size;
    }
    //! Backward-shift deletion: later slots of the probe run move into the hole when that keeps them
    //! reachable from their home slot, so lookups never need tombstones.
    void erase_at(size_t i) {
      for (size_t j = (i + 1) & mask(); slots[j].node; j = (j + 1) & mask()) {
        size_t home = slots[j].hash & mask();
        if (((j - home) & mask()) >= ((j - i) & mask())) {
          slots[i] = slots[j];
          i = j;
        }
      }
      slots[i] = {};
      --size;
    }
  };
  struct RetiredNode {
    Node* node;
    uint64_t retired_at;
  };
  struct RetiredArray {
    std::unique_ptr<SlotArray> array;
    uint64_t retired_at;
  };

  //! What take_releases() hands to the reclaimer thread (reclaimer.h).
  struct RetiredBatch : Garbage {
    std::vector<RetiredNode> nodes;
    std::vector<RetiredArray> arrays;
    ~RetiredBatch() override {
      for (auto& r : nodes) delete_node(r.node);
    }
  };

  static void delete_node(Node* n) { Node::destroy(n); }

  bool frozen(const SlotArray& a) const { return a.version <= required_; }
  //! True when a snapshot still held may see `n`.
  bool seen_by_snapshot(const Node* n) const { return n->version <= required_; }
  void update_floor() { floor_ = std::max(required_, tracked_); }

  //! The group's array, copied first if frozen, with room for one more mapping.
  SlotArray& writable_array(size_t g, bool inserting = false) {
    std::unique_ptr<SlotArray>& a = groups_[g];
    if (!a) {
      a = std::make_unique<SlotArray>(version_, kInitialCapacity);
      return *a;
    }
    if (frozen(*a)) take_releases();
    const bool grow = inserting && (a->size + 1) * 4 > a->slots.size() * 3;
    if (grow) {
      auto bigger = std::make_unique<SlotArray>(version_, a->slots.size() * 2);
      for (const Slot& s : a->slots)
        if (s.node) bigger->place(s.hash, s.node);
      replace_array(a, std::move(bigger));
    } else if (frozen(*a)) {
      replace_array(a, std::make_unique<SlotArray>(version_, *a));
    }
    return *a;
  }
  void replace_array(std::unique_ptr<SlotArray>& slot, std::unique_ptr<SlotArray> next) {
    if (frozen(*slot)) retired_arrays_.push_back({std::move(slot), version_});
    slot = std::move(next);
  }

  Node* insert_new(size_t g, std::string_view key, uint64_t hash, Entry value) {
    take_releases();  // an atomic load unless a snapshot was released: frees its copies promptly
    SlotArray& a = writable_array(g, /*inserting=*/true);
    Node* n = Node::make(hash, version_, key, std::move(value));
    a.place(hash, n);
    ++size_;
    return n;
  }
  //! Replaces the frozen node of `key` by a writable copy. REQUIRES: present.
  Node* copy_on_write(size_t g, std::string_view key, uint64_t hash) {
    take_releases();
    SlotArray& a = writable_array(g);
    Slot& s = a.slots[a.find(key, hash)];
    if (writable(s.node)) return s.node;  // a release made it writable after all
    if (!seen_by_snapshot(s.node)) {
      s.node->version = s.version = version_;  // change tracking: no copy needed, only the mark
      return s.node;
    }
    Node* old = s.node;
    s.node = Node::make(old->hash, version_, old->key(), old->value);
    s.version = version_;
    retired_nodes_.push_back({old, version_});
    return s.node;
  }
  void retire_or_delete(Node* n) {
    if (!seen_by_snapshot(n))
      delete_node(n);
    else
      retired_nodes_.push_back({n, version_});
  }

  std::vector<std::unique_ptr<SlotArray>> groups_;  //!< per local key group; null: never written
  size_t size_ = 0;
  uint64_t version_ = 1;   //!< stamped on what is made now
  uint64_t required_ = 0;  //!< highest version of a snapshot still held (0: none); <= it is frozen
  bool tracking_ = false;  //!< change tracking started (track_changes)
  uint64_t tracked_ = 0;   //!< version of the last snapshot_changes(); <= it is not marked changed
  uint64_t floor_ = 0;     //!< max(required_, tracked_): nodes at or below it are not writable
  std::vector<std::vector<std::string>> removed_;  //!< change tracking: per group, keys removed since
  std::vector<uint64_t> active_;  //!< versions of the snapshots still held, as far as this thread knows
  std::vector<RetiredNode> retired_nodes_;
  std::vector<RetiredArray> retired_arrays_;
  std::shared_ptr<SnapshotReleaseQueue> releases_;
};

}  // namespace weir::state
