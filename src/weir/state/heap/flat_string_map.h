#pragma once
// The user-key map of one heap MapState entry (one key and namespace): serialized user key -> value.
// Open addressing with linear probing over one array of slots, each holding its hash, key and value, so a
// lookup reads one slot (short keys live inside std::string) instead of walking a chain of separately
// allocated nodes, and growing moves slots instead of relinking nodes. Erasing shifts the rest of the
// probe run back, so lookups need no tombstones. Iterators are invalidated by any insertion or erasure.
//
// Threading: none of its own; the task thread owns a map, and a copy-on-write snapshot reads a frozen one.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/common/bytes_equal.h"
#include "weir/state/heap/composite_hash.h"

namespace weir::state {

template <typename V>
class FlatStringMap {
  struct Slot {
    uint64_t hash = 0;  //!< 0: empty (stored hashes are never 0)
    std::pair<std::string, V> kv{};
  };

  template <bool kConst>
  class Iter {
    using SlotPtr = std::conditional_t<kConst, const Slot*, Slot*>;

   public:
    using value_type = std::pair<std::string, V>;
    using reference = std::conditional_t<kConst, const value_type&, value_type&>;
    using pointer = std::conditional_t<kConst, const value_type*, value_type*>;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;

    Iter() = default;
    Iter(SlotPtr at, SlotPtr end) : at_(at), end_(end) { skip_empty(); }
    reference operator*() const { return at_->kv; }
    pointer operator->() const { return &at_->kv; }
    Iter& operator++() {
      ++at_;
      skip_empty();
      return *this;
    }
    Iter operator++(int) {
      Iter old = *this;
      ++*this;
      return old;
    }
    bool operator==(const Iter& o) const { return at_ == o.at_; }

   private:
    friend class FlatStringMap;
    void skip_empty() {
      while (at_ != end_ && at_->hash == 0) ++at_;
    }
    SlotPtr at_ = nullptr;
    SlotPtr end_ = nullptr;
  };

 public:
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  iterator begin() { return {slots_.data(), slots_.data() + slots_.size()}; }
  iterator end() { return {slots_.data() + slots_.size(), slots_.data() + slots_.size()}; }
  const_iterator begin() const { return {slots_.data(), slots_.data() + slots_.size()}; }
  const_iterator end() const { return {slots_.data() + slots_.size(), slots_.data() + slots_.size()}; }

  iterator find(std::string_view key) {
    size_t i = index_of(key, hash_of(key));
    return i == kNone ? end() : iterator(slots_.data() + i, slots_.data() + slots_.size());
  }
  const_iterator find(std::string_view key) const {
    size_t i = index_of(key, hash_of(key));
    return i == kNone ? end() : const_iterator(slots_.data() + i, slots_.data() + slots_.size());
  }
  bool contains(std::string_view key) const { return index_of(key, hash_of(key)) != kNone; }

  //! Sets `key` to `value`, adding it if absent.
  void insert_or_assign(std::string key, V value) {
    const uint64_t h = hash_of(key);
    if (size_t i = index_of(key, h); i != kNone) {
      slots_[i].kv.second = std::move(value);
      return;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    place(h, std::move(key), std::move(value));
  }

  void erase(const_iterator it) { erase_at(static_cast<size_t>(it.at_ - slots_.data())); }
  void erase(iterator it) { erase_at(static_cast<size_t>(it.at_ - slots_.data())); }

  //! Removes every entry with pred(const std::pair<std::string, V>&); returns how many.
  template <typename Pred>
  size_t erase_if(Pred&& pred) {
    const size_t before = size_;
    rebuild(slots_.size(), [&](const std::pair<std::string, V>& kv) { return !pred(kv); });
    return before - size_;
  }

 private:
  static constexpr size_t kNone = ~size_t{0};
  static constexpr size_t kInitialCapacity = 4;  // power of two

  static uint64_t hash_of(std::string_view key) {
    uint64_t h = composite_hash(key);
    return h == 0 ? 1 : h;
  }
  size_t mask() const { return slots_.size() - 1; }
  size_t index_of(std::string_view key, uint64_t h) const {
    if (slots_.empty()) return kNone;
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return kNone;
      if (s.hash == h && bytes_equal(s.kv.first, key)) return i;
    }
  }
  // REQUIRES: room for one more; `key` absent.
  void place(uint64_t h, std::string key, V value) {
    size_t i = h & mask();
    while (slots_[i].hash != 0) i = (i + 1) & mask();
    slots_[i].hash = h;
    slots_[i].kv.first = std::move(key);
    slots_[i].kv.second = std::move(value);
    ++size_;
  }
  void grow() {
    rebuild(slots_.empty() ? kInitialCapacity : slots_.size() * 2, [](const auto&) { return true; });
  }
  //! Moves the entries with keep(entry) into a new slot array of `capacity` slots.
  template <typename Keep>
  void rebuild(size_t capacity, Keep&& keep) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(capacity);
    size_ = 0;
    for (Slot& s : old)
      if (s.hash != 0 && keep(std::as_const(s.kv)))
        place(s.hash, std::move(s.kv.first), std::move(s.kv.second));
  }
  //! Backward-shift deletion: later slots of the probe run move into the hole when that keeps them
  //! reachable from their home slot.
  void erase_at(size_t i) {
    for (size_t j = (i + 1) & mask(); slots_[j].hash != 0; j = (j + 1) & mask()) {
      const size_t home = slots_[j].hash & mask();
      if (((j - home) & mask()) >= ((j - i) & mask())) {
        slots_[i] = std::move(slots_[j]);
        i = j;
      }
    }
    slots_[i] = Slot{};
    --size_;
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace weir::state
