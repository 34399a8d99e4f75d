#pragma once
// Storage of one heap state: a copy-on-write hash map per key group (copy_on_write_state_map.h), keyed
// by (key bytes, namespace bytes), for the backend's current key and the state's current namespace.
// Organising by key group lets snapshots and rescaling move whole key groups.
//
// Threading: task thread, except the Snapshots that snapshot() hands out (see CopyOnWriteStateMap).
#include <memory>
#include <string>
#include <string_view>

#include "weir/common/bytes_equal.h"
#include "weir/state/heap/composite_hash.h"
#include "weir/state/heap/copy_on_write_state_map.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

template <typename Entry>
class HeapStateTable {
 public:
  using Map = CopyOnWriteStateMap<Entry>;
  using Node = typename Map::Node;
  using Snapshot = typename Map::Snapshot;

  explicit HeapStateTable(KeyedStateBackend* backend)
      : backend_(backend), map_(backend->key_group_range().size()) {}

  void set_namespace(std::string_view ns) {
    if (!bytes_equal(ns, ns_)) {
      ns_.assign(ns.data(), ns.size());
      cached_version_ = ~0ULL;
      last_ = nullptr;
    }
  }

  //! Entry for the current key and namespace, or null; to read only (a snapshot may share it).
  const Entry* peek() {
    refresh_key();
    if (!last_) last_ = map_.find(index_, composite_, hash_);
    return last_ ? &last_->value : nullptr;
  }
  //! Entry for the current key and namespace, or null; may be changed (copied first if a snapshot
  //! still sees it).
  Entry* find() {
    refresh_key();
    if (!last_ || !map_.writable(last_)) last_ = map_.find_writable(index_, composite_, hash_);
    return last_ ? &last_->value : nullptr;
  }
  Entry& get_or_create() {
    refresh_key();
    if (!last_ || !map_.writable(last_)) last_ = map_.get_or_create(index_, composite_, hash_);
    return last_->value;
  }
  void erase() {
    refresh_key();
    last_ = nullptr;
    map_.erase(index_, composite_, hash_);
  }

  size_t size() const { return map_.size(); }

  //! Calls f(composite key, const Entry&) for every mapping of absolute key group `kg` now.
  //! REQUIRES: kg is in the backend's range.
  template <typename F>
  void for_each_in_group(KeyGroup kg, F&& f) const {
    map_.for_each(local(kg), [&](const Node& n) { f(n.key(), n.value); });
  }
  size_t group_size(KeyGroup kg) const { return map_.group_size(local(kg)); }
  //! Sets a composite key of key group `kg` (restores).
  void insert_or_assign(KeyGroup kg, std::string composite, Entry value) {
    last_ = nullptr;
    uint64_t h = composite_hash(composite);
    map_.insert_or_assign(local(kg), std::move(composite), h, std::move(value));
  }
  //! Removes a composite key of key group `kg` (restores).
  void erase_composite(KeyGroup kg, std::string_view composite) {
    last_ = nullptr;
    map_.erase(local(kg), composite, composite_hash(composite));
  }
  //! See CopyOnWriteStateMap::update_where. Forgets the cached entry.
  template <typename Needs, typename Change>
  void update_where(Needs&& needs, Change&& change) {
    last_ = nullptr;
    map_.update_where(needs, change);
  }
  //! Pins every key group's entries as they are now; O(number of key groups).
  std::unique_ptr<Snapshot> snapshot() { return map_.snapshot(); }
  Map& map() { return map_; }

 private:
  size_t local(KeyGroup kg) const {
    if (!backend_->key_group_range().contains(kg))
      throw WeirError("key group " + std::to_string(kg) + " is outside this backend's range");
    return static_cast<size_t>(kg - backend_->key_group_range().start);
  }
  void refresh_key() {
    if (cached_version_ == backend_->key_version()) return;
    std::string_view key = backend_->current_key();
    composite_.clear();
    // Length-prefix the key so (key, namespace) pairs never collide.
    uint32_t n = static_cast<uint32_t>(key.size());
    composite_.append(reinterpret_cast<const char*>(&n), 4);
    composite_.append(key);
    composite_.append(ns_);
    hash_ = composite_hash(composite_);
    cached_version_ = backend_->key_version();
    index_ = static_cast<size_t>(backend_->local_key_group_index());
    last_ = nullptr;
  }

  KeyedStateBackend* backend_;
  Map map_;
  std::string ns_;
  std::string composite_;
  uint64_t hash_ = 0;
  uint64_t cached_version_ = ~0ULL;
  size_t index_ = 0;
  // The node of the current key and namespace once looked up (a value state's value() then update()
  // hash once). Nodes keep their address across inserts and rehashes; erasing it, another key or
  // namespace, or bulk access forget it. It may be frozen by a snapshot taken since: writers check
  // writable() and copy it then.
  Node* last_ = nullptr;
};

}  // namespace weir::state
