#pragma once
// PaneTable<K, Acc>: the accumulators of one pane (a slide-long slice of sliding windows), one per key,
// for keys of a fixed-size integral type. Entries live in a vector in insertion order (firing and
// snapshots walk it sequentially); an open-addressing index of 32-bit entry numbers finds a key with
// one hash (mix64) and, almost always, one probe. No allocation per entry: the vector and the index
// grow by doubling.
//
// Threading: task thread only.
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/common/error.h"
#include "weir/common/hashing.h"

namespace weir::windowing {

template <typename K>
concept PaneKey = std::is_integral_v<K> || std::is_enum_v<K>;

template <PaneKey K, typename Acc>
class PaneTable {
 public:
  struct Entry {
    K key;
    Acc acc;
  };

  PaneTable() { rehash(kInitialSlots); }

  //! The accumulator of `key`, or null.
  Acc* find(const K& key) {
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      uint32_t s = slots_[i];
      if (s == 0) return nullptr;
      Entry& e = entries_[s - 1];
      if (e.key == key) return &e.acc;
    }
  }
  //! The accumulator of `key`, created by `make()` when missing; `created` tells which.
  template <typename Make>
  Acc& find_or_insert(const K& key, Make&& make, bool& created) {
    size_t i = slot_of(key);
    for (;; i = (i + 1) & mask_) {
      uint32_t s = slots_[i];
      if (s == 0) break;
      Entry& e = entries_[s - 1];
      if (e.key == key) {
        created = false;
        return e.acc;
      }
    }
    created = true;
    if ((entries_.size() + 1) * 2 > slots_.size()) {
      rehash(slots_.size() * 2);
      i = slot_of(key);
      while (slots_[i] != 0) i = (i + 1) & mask_;
    }
    if (entries_.size() >= kMaxEntries) throw WeirError("a window pane holds more than 2^31 keys");
    entries_.push_back(Entry{key, make()});
    slots_[i] = static_cast<uint32_t>(entries_.size());
    return entries_.back().acc;
  }

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  static constexpr size_t kInitialSlots = 256;
  static constexpr size_t kMaxEntries = size_t{1} << 31;

  size_t slot_of(const K& key) const {
    return static_cast<size_t>(mix64(static_cast<uint64_t>(key))) & mask_;
  }
  void rehash(size_t n) {
    slots_.assign(n, 0);
    mask_ = n - 1;
    entries_.reserve(n / 2);
    for (size_t e = 0; e < entries_.size(); ++e) {
      size_t i = slot_of(entries_[e].key);
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = static_cast<uint32_t>(e + 1);
    }
  }

  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;  //!< 0: empty; otherwise entry index + 1
  size_t mask_ = 0;
};

}  // namespace weir::windowing
