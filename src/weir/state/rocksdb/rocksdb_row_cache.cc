#include "weir/state/rocksdb/rocksdb_row_cache.h"

namespace weir::state {

RocksDBRowCache::Table* RocksDBRowCache::add_table(int id) {
  tables_.push_back(std::make_unique<Table>());
  tables_.back()->id = id;
  return tables_.back().get();
}

void RocksDBRowCache::fill(Table* t, std::string_view key, const std::string* value) {
  auto [it, inserted] = t->rows_.try_emplace(std::string(key));
  if (!inserted) return;
  Entry& e = it->second;
  usage_ += key_charge(key);
  if (value) {
    e.value.assign(*value);
    e.present = true;
    usage_ += value_charge(e);
  }
  if (usage_ > bound_()) evict();
}

RocksDBRowCache::Entry& RocksDBRowCache::entry_for_write(Table* t, std::string_view key) {
  auto it = t->rows_.find(key);
  if (it != t->rows_.end()) return it->second;
  usage_ += key_charge(key);
  return t->rows_.try_emplace(std::string(key)).first->second;
}

void RocksDBRowCache::written(Table* t, Entry& e, size_t old_charge) {
  usage_ += value_charge(e);
  usage_ -= old_charge;
  e.referenced = true;
  if (!e.dirty) {
    e.dirty = true;
    ++t->dirty_;
  }
  if (usage_ > bound_()) evict();
}

void RocksDBRowCache::erase(Table* t, decltype(Table::rows_)::iterator it) {
  usage_ -= key_charge(it->first) + value_charge(it->second);
  if (it->second.dirty) --t->dirty_;
  t->rows_.erase(it);
}

void RocksDBRowCache::drop(Table* t, std::string_view key) {
  auto it = t->rows_.find(key);
  if (it != t->rows_.end()) erase(t, it);
}

void RocksDBRowCache::write_dirty(Table* t) {
  if (t->dirty_ == 0) return;
  for (auto& [key, e] : t->rows_) {
    if (!e.dirty) continue;
    sink_.add(t->id, key, e.present ? &e.value : nullptr);
    e.dirty = false;
  }
  t->dirty_ = 0;
}

void RocksDBRowCache::flush(Table* t) {
  if (t->dirty_ == 0) return;
  write_dirty(t);
  sink_.commit();
}

void RocksDBRowCache::flush_all() {
  bool any = false;
  for (auto& t : tables_) {
    any |= t->dirty_ > 0;
    write_dirty(t.get());
  }
  if (any) sink_.commit();
}

void RocksDBRowCache::evict() {
  // Second chance: entries used since the last eviction stay (and lose their mark).
  const size_t bound = bound_();
  bool wrote = false;
  auto evict_if = [&](auto&& pred) {
    for (auto& t : tables_) {
      for (auto it = t->rows_.begin(); it != t->rows_.end();) {
        if (!pred(it->second)) {
          ++it;
          continue;
        }
        if (it->second.dirty) {
          sink_.add(t->id, it->first, it->second.present ? &it->second.value : nullptr);
          wrote = true;
        }
        erase(t.get(), it++);
      }
    }
  };
  evict_if([](Entry& e) {
    if (e.referenced) {
      e.referenced = false;
      return false;
    }
    return true;
  });
  if (usage_ > bound - bound / 4) {
    // Nearly everything was in use: drop arbitrary entries down to half.
    evict_if([&](Entry&) { return usage_ > bound / 2; });
  }
  if (wrote) sink_.commit();
}

void RocksDBRowCache::invalidate(Table* t, std::string_view prefix) {
  flush(t);
  if (prefix.empty()) {
    for (auto it = t->rows_.begin(); it != t->rows_.end();) erase(t, it++);
    return;
  }
  for (auto it = t->rows_.begin(); it != t->rows_.end();) {
    if (std::string_view(it->first).substr(0, prefix.size()) == prefix) {
      erase(t, it++);
    } else {
      ++it;
    }
  }
}

void RocksDBRowCache::reset() {
  tables_.clear();
  usage_ = 0;
}

}  // namespace weir::state
