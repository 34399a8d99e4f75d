#include "weir/state/rocksdb/rocksdb_row_cache.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "weir/common/bytes_equal.h"
#include "weir/common/hashing.h"

namespace weir::state {

namespace {
uint32_t round_up(size_t n) {
  return static_cast<uint32_t>((n + 7) & ~size_t{7});
}
bool same_key(const RocksDBRowCache::Entry* e, std::string_view key) {
  return bytes_equal(e->key(), key);
}
}  // namespace

RocksDBRowCache::~RocksDBRowCache() {
  reset();
}

RocksDBRowCache::Table* RocksDBRowCache::add_table(int id, bool known_empty) {
  tables_.push_back(std::unique_ptr<Table>(new Table(known_empty)));
  tables_.back()->id = id;
  return tables_.back().get();
}

RocksDBRowCache::Entry** RocksDBRowCache::locate(Table* t, uint64_t hash, std::string_view key) {
  Entry** link = &t->buckets_[hash & (t->buckets_.size() - 1)];
  while (Entry* e = *link) {
    if (e->hash == hash && same_key(e, key)) return link;
    link = &e->next;
  }
  return link;
}

RocksDBRowCache::Entry* RocksDBRowCache::allocate(std::string_view key, uint64_t hash, uint32_t capacity) {
  void* p = ::operator new(sizeof(Entry) + key.size() + capacity);
  auto* e = new (p) Entry{nullptr, hash, static_cast<uint32_t>(key.size()), 0, capacity, false, false, true};
  std::memcpy(e->data(), key.data(), key.size());
  usage_ += charge(e);
  return e;
}

void RocksDBRowCache::release(Table* t, Entry* e) {
  usage_ -= charge(e);
  if (e->dirty) --t->dirty_;
  if (t->last_ == e) t->last_ = nullptr;
  --t->size_;
  ::operator delete(e);
}

void RocksDBRowCache::grow(Table* t) {
  std::vector<Entry*> buckets(t->buckets_.size() * 2, nullptr);
  const size_t mask = buckets.size() - 1;
  for (Entry* head : t->buckets_) {
    while (head) {
      Entry* next = head->next;
      Entry*& slot = buckets[head->hash & mask];
      head->next = slot;
      slot = head;
      head = next;
    }
  }
  t->buckets_.swap(buckets);
}

RocksDBRowCache::Entry* RocksDBRowCache::find(Table* t, std::string_view key, uint64_t* miss_hash) {
  Entry* e = t->last_;
  if (!e || !same_key(e, key)) {
    const uint64_t hash = hash_bytes(key);
    e = *locate(t, hash, key);
    if (!e && miss_hash) *miss_hash = hash;
  }
  if (!e) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  e->referenced = true;
  t->last_ = e;
  return e;
}

void RocksDBRowCache::fill(Table* t, std::string_view key, uint64_t hash, const std::string_view* value) {
  Entry** link = locate(t, hash, key);
  if (*link) return;
  Entry* e = allocate(key, hash, value ? round_up(value->size()) : 0);
  if (value) {
    std::memcpy(e->data() + e->key_size, value->data(), value->size());
    e->value_size = static_cast<uint32_t>(value->size());
    e->present = true;
  }
  *link = e;
  t->last_ = e;
  if (++t->size_ > t->buckets_.size()) grow(t);
  maybe_evict();
}

RocksDBRowCache::Entry* RocksDBRowCache::entry_with_room(Table* t, std::string_view key, size_t value_size,
                                                         bool keep_value) {
  Entry* e = t->last_;
  Entry** link = nullptr;
  uint64_t hash = 0;
  if (!e || !same_key(e, key)) {
    hash = hash_bytes(key);
    link = locate(t, hash, key);
    e = *link;
  }
  if (e && e->capacity >= value_size) {
    t->last_ = e;
    return e;
  }
  if (!e) {
    e = allocate(key, hash, round_up(value_size));
    *link = e;
    t->last_ = e;
    if (++t->size_ > t->buckets_.size()) grow(t);
    return e;
  }
  // Too small: a larger copy takes its place in the chain (appends double the room).
  if (!link) link = locate(t, e->hash, key);
  const size_t room = keep_value ? std::max(value_size, size_t{2} * e->capacity) : value_size;
  Entry* n = allocate(key, e->hash, round_up(room));
  n->next = e->next;
  n->present = e->present;
  n->dirty = e->dirty;
  if (keep_value) {
    std::memcpy(n->data() + n->key_size, e->value().data(), e->value_size);
    n->value_size = e->value_size;
  }
  *link = n;
  ++t->size_;        // release() counts e out...
  e->dirty = false;  // ...and n carries its dirty mark
  release(t, e);
  t->last_ = n;
  return n;
}

void RocksDBRowCache::mark_dirty(Table* t, Entry* e) {
  e->referenced = true;
  if (!e->dirty) {
    e->dirty = true;
    ++t->dirty_;
  }
}

void RocksDBRowCache::put(Table* t, std::string_view key, std::string_view value) {
  Entry* e = entry_with_room(t, key, value.size(), false);
  std::memcpy(e->data() + e->key_size, value.data(), value.size());
  e->value_size = static_cast<uint32_t>(value.size());
  e->present = true;
  mark_dirty(t, e);
  maybe_evict();
}

void RocksDBRowCache::remove(Table* t, std::string_view key) {
  Entry* e = entry_with_room(t, key, 0, false);
  e->value_size = 0;
  e->present = false;
  mark_dirty(t, e);
  maybe_evict();
}

bool RocksDBRowCache::append(Table* t, std::string_view key, std::string_view operand) {
  Entry* e = t->last_;
  if (!e || !same_key(e, key)) e = *locate(t, hash_bytes(key), key);
  if (!e) return false;
  if (!e->present) e->value_size = 0;
  const size_t size = e->value_size + operand.size();
  e = entry_with_room(t, key, size, true);
  std::memcpy(e->data() + e->key_size + e->value_size, operand.data(), operand.size());
  e->value_size = static_cast<uint32_t>(size);
  e->present = true;
  mark_dirty(t, e);
  maybe_evict();
  return true;
}

void RocksDBRowCache::drop(Table* t, std::string_view key) {
  Entry** link = locate(t, hash_bytes(key), key);
  if (Entry* e = *link) {
    *link = e->next;
    release(t, e);
  }
}

bool RocksDBRowCache::may_exist(Table* t, uint64_t hash) {
  if (t->filter_.may_contain(hash)) return true;
  ++filtered_;
  return false;
}

void RocksDBRowCache::note_written(Table* t, uint64_t hash) {
  size_t grown = t->filter_.add(hash);
  if (grown == 0) return;
  usage_ += grown;
  filter_bytes_ += grown;
  // Filters may take half of the bound (a key costs ~1.5 bytes there, ~100 as a cached row); past
  // that the growing one stops answering.
  if (filter_bytes_ > bound_() / 2) forget_contents(t);
}

void RocksDBRowCache::forget_contents(Table* t) {
  size_t bytes = t->filter_.memory();
  usage_ -= bytes;
  filter_bytes_ -= bytes;
  t->filter_.forget();
}

bool RocksDBRowCache::write_back(Table* t, Entry* e) {
  if (e->present) {
    note_written(t, e->hash);  // entries keep their key's hash
    std::string_view v = e->value();
    sink_.add(t->id, e->key(), &v);
    return true;
  }
  if (!t->filter_.may_contain(e->hash)) return false;  // RocksDB never had it
  sink_.add(t->id, e->key(), nullptr);
  return true;
}

template <typename Pred>
bool RocksDBRowCache::erase_if(Table* t, bool write, Pred&& pred) {
  bool wrote = false;
  for (Entry*& head : t->buckets_) {
    Entry** link = &head;
    while (Entry* e = *link) {
      if (!pred(e)) {
        link = &e->next;
        continue;
      }
      if (write && e->dirty) wrote |= write_back(t, e);
      *link = e->next;
      release(t, e);
    }
  }
  return wrote;
}

bool RocksDBRowCache::write_dirty(Table* t) {
  if (t->dirty_ == 0) return false;
  bool wrote = false;
  for (Entry* head : t->buckets_) {
    for (Entry* e = head; e; e = e->next) {
      if (!e->dirty) continue;
      wrote |= write_back(t, e);
      e->dirty = false;
    }
  }
  t->dirty_ = 0;
  return wrote;
}

void RocksDBRowCache::flush(Table* t) {
  if (write_dirty(t)) sink_.commit();
}

void RocksDBRowCache::flush_all() {
  bool any = false;
  for (auto& t : tables_) any |= write_dirty(t.get());
  if (any) sink_.commit();
}

void RocksDBRowCache::evict() {
  // Second chance: entries used since the last eviction stay (and lose their mark). The key filters'
  // share of the bound is not the entries' to evict.
  const size_t bound = bound_() - std::min(filter_bytes_, bound_());
  auto entries = [&] { return usage_ - filter_bytes_; };
  bool wrote = false;
  for (auto& t : tables_) {
    wrote |= erase_if(t.get(), true, [](Entry* e) {
      if (e->referenced) {
        e->referenced = false;
        return false;
      }
      return true;
    });
  }
  if (entries() > bound - bound / 4) {
    // Nearly everything was in use: drop arbitrary entries down to half.
    for (auto& t : tables_) wrote |= erase_if(t.get(), true, [&](Entry*) { return entries() > bound / 2; });
  }
  if (wrote) sink_.commit();
}

void RocksDBRowCache::invalidate(Table* t, std::string_view prefix) {
  flush(t);
  erase_if(t, false, [&](Entry* e) { return e->key().substr(0, prefix.size()) == prefix; });
}

void RocksDBRowCache::reset() {
  for (auto& t : tables_) erase_if(t.get(), false, [](Entry*) { return true; });
  tables_.clear();
  usage_ = 0;
  filter_bytes_ = 0;
}

}  // namespace weir::state
