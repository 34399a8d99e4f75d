#pragma once
// Storage of one heap state: a hash table per key group, keyed by (key bytes, namespace bytes).
// Organising by key group lets snapshots and rescaling move whole key groups.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "weir/common/data_io.h"
#include "weir/common/hashing.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return hash_bytes(s); }
};

template <typename Entry>
class HeapStateTable {
 public:
  using Map = std::unordered_map<std::string, Entry, StringViewHash, std::equal_to<>>;

  explicit HeapStateTable(KeyedStateBackend* backend)
      : backend_(backend), groups_(backend->key_group_range().size()) {}

  void set_namespace(std::string_view ns) {
    if (ns != ns_) {
      ns_.assign(ns.data(), ns.size());
      cached_version_ = ~0ULL;
      last_ = nullptr;
    }
  }

  //! Entry for the current key and namespace, or null.
  Entry* find() {
    Map& m = current_map();
    if (last_) return last_;
    auto it = m.find(std::string_view(composite_));
    return it == m.end() ? nullptr : (last_ = &it->second);
  }
  Entry& get_or_create() {
    Map& m = current_map();
    if (last_) return *last_;
    auto it = m.find(std::string_view(composite_));
    if (it != m.end()) return *(last_ = &it->second);
    return *(last_ = &m.emplace(composite_, Entry{}).first->second);
  }
  void erase() {
    Map& m = current_map();
    last_ = nullptr;
    auto it = m.find(std::string_view(composite_));
    if (it != m.end()) m.erase(it);
  }

  size_t size() const {
    size_t n = 0;
    for (const auto& g : groups_) n += g.size();
    return n;
  }
  //! Direct access (snapshots, restores, pruning) may erase entries: it forgets the cached entry.
  std::vector<Map>& groups() {
    last_ = nullptr;
    return groups_;
  }
  //! The table of absolute key group `kg`. REQUIRES: kg is in the backend's range.
  Map& group(KeyGroup kg) {
    last_ = nullptr;
    return groups_.at(kg - backend_->key_group_range().start);
  }

 private:
  Map& current_map() {
    if (cached_version_ != backend_->key_version()) {
      std::string_view key = backend_->current_key();
      composite_.clear();
      // Length-prefix the key so (key, namespace) pairs never collide.
      uint32_t n = static_cast<uint32_t>(key.size());
      composite_.append(reinterpret_cast<const char*>(&n), 4);
      composite_.append(key);
      composite_.append(ns_);
      cached_version_ = backend_->key_version();
      cached_index_ = backend_->local_key_group_index();
      last_ = nullptr;
    }
    return groups_[cached_index_];
  }

  KeyedStateBackend* backend_;
  std::vector<Map> groups_;
  std::string ns_;
  std::string composite_;
  uint64_t cached_version_ = ~0ULL;
  int32_t cached_index_ = 0;
  // The entry of the current key and namespace once looked up (a value state's value() then update()
  // hash once). Elements of an unordered_map keep their address across inserts and rehashes; only
  // erasing it, another key or namespace, or direct access to the maps forgets it.
  Entry* last_ = nullptr;
};

}  // namespace weir::state
