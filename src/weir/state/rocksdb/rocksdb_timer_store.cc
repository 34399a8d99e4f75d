#include "weir/state/rocksdb/rocksdb_timer_store.h"

#include <algorithm>

namespace weir::state {

RocksDBTimerStore::RocksDBTimerStore(RocksDBKeyedStateBackend* backend, const std::string& name)
    : backend_(backend),
      cf_(backend->column_family("_weir_timers_" + name, rocks::Layout::kTimer, std::nullopt)),
      head_(backend->key_group_range().size(), kMaxTimestamp),
      cursor_(backend->key_group_range().size()) {
  const KeyGroupRange& r = backend_->key_group_range();
  for (KeyGroup kg = r.start; kg <= r.end; ++kg) refresh_head(kg);
}

const std::string& RocksDBTimerStore::row(KeyGroup kg, const TimerEntry& t) {
  row_.clear();
  rocks::append_key_group(row_, kg);
  rocks::append_ordered_i64(row_, t.ts);
  rocks::append_u32(row_, static_cast<uint32_t>(t.key.size()));
  row_.append(t.key);
  row_.append(t.ns);
  return row_;
}

TimerEntry RocksDBTimerStore::parse(std::string_view r) {
  TimerEntry t;
  t.ts = rocks::read_ordered_i64(r.data() + 2);
  uint32_t klen = rocks::read_u32(r.data() + 10);
  t.key.assign(r.substr(14, klen));
  t.ns.assign(r.substr(14 + klen));
  return t;
}

void RocksDBTimerStore::set_head(KeyGroup kg, Timestamp ts) {
  Timestamp& head = head_[kg - backend_->key_group_range().start];
  if (head == ts) return;
  if (head != kMaxTimestamp) heads_.erase({head, kg});
  head = ts;
  if (head != kMaxTimestamp) heads_.insert({head, kg});
}

void RocksDBTimerStore::refresh_head(KeyGroup kg) {
  std::string prefix;
  rocks::append_key_group(prefix, kg);
  auto it = backend_->iterate(cf_, prefix, cursor_[kg - backend_->key_group_range().start]);
  set_head(kg, it.valid() ? rocks::read_ordered_i64(it.key().data() + 2) : kMaxTimestamp);
}

void RocksDBTimerStore::add(KeyGroup kg, const TimerEntry& t) {
  const std::string& r = row(kg, t);
  backend_->put(cf_, r, {});
  std::string& cursor = cursor_[kg - backend_->key_group_range().start];
  if (!cursor.empty() && r < cursor) cursor = r;
  if (t.ts < head_[kg - backend_->key_group_range().start]) set_head(kg, t.ts);
}

void RocksDBTimerStore::remove(KeyGroup kg, const TimerEntry& t) {
  backend_->remove(cf_, row(kg, t));
  if (t.ts == head_[kg - backend_->key_group_range().start]) refresh_head(kg);
}

std::pair<KeyGroup, TimerEntry> RocksDBTimerStore::poll() {
  KeyGroup kg = heads_.begin()->second;
  std::string& cursor = cursor_[kg - backend_->key_group_range().start];
  std::string prefix;
  rocks::append_key_group(prefix, kg);
  // The iterator reads a snapshot: after deleting the first row, next() is the group's new head.
  auto it = backend_->iterate(cf_, prefix, cursor);
  TimerEntry t = parse(it.key());
  cursor.assign(it.key());
  backend_->remove(cf_, it.key());
  it.next();
  set_head(kg, it.valid() ? rocks::read_ordered_i64(it.key().data() + 2) : kMaxTimestamp);
  return {kg, std::move(t)};
}

size_t RocksDBTimerStore::size() const {
  size_t n = 0;
  for (auto it = backend_->iterate(cf_, {}); it.valid(); it.next()) ++n;
  return n;
}

std::vector<TimerEntry> RocksDBTimerStore::sorted_group(KeyGroup kg) {
  std::vector<TimerEntry> out;
  std::string prefix;
  rocks::append_key_group(prefix, kg);
  for (auto it = backend_->iterate(cf_, prefix); it.valid(); it.next()) out.push_back(parse(it.key()));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace weir::state
