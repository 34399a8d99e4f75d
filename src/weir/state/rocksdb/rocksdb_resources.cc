#include "weir/state/rocksdb/rocksdb_resources.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "weir/common/data_io.h"

namespace weir::state {

RocksDBSharedResources::RocksDBSharedResources(int64_t budget, double write_buffer_ratio,
                                               double high_prio_ratio, double row_cache_ratio)
    : budget_(budget), row_cache_ratio_(row_cache_ratio) {
  if (budget <= 0) {
    row_cache_bytes_ = row_cache_ratio > 0 ? size_t{16} << 20 : 0;
    return;
  }
  // One cache of the whole budget; the write buffer manager reserves its share inside it, so cached
  // blocks and memtables together stay within the budget (as Flink's managed memory does).
  rocksdb::LRUCacheOptions co;
  co.capacity = static_cast<size_t>(budget);
  co.num_shard_bits = 4;
  co.strict_capacity_limit = false;
  co.high_pri_pool_ratio = high_prio_ratio;
  cache_ = rocksdb::NewLRUCache(co);
  auto wb = static_cast<size_t>(static_cast<double>(budget) * write_buffer_ratio);
  wbm_ = std::make_shared<rocksdb::WriteBufferManager>(wb, cache_);
  write_buffer_size_ = std::clamp<size_t>(wb / 4, 1 << 20, 64 << 20);
  // The row caches' share: a pinned entry of that charge, so blocks and memtables get the rest.
  row_cache_bytes_ = static_cast<size_t>(static_cast<double>(budget) * row_cache_ratio);
  constexpr size_t kPiece = 64 << 10;
  for (size_t reserved = 0, i = 0; reserved < row_cache_bytes_; reserved += kPiece, ++i) {
    std::string key = "weir-row-cache-reservation-" + std::to_string(i);
    rocksdb::Cache::Handle* h = nullptr;
    auto s = cache_->Insert(
        key, nullptr, std::min(kPiece, row_cache_bytes_ - reserved), [](const rocksdb::Slice&, void*) {}, &h,
        rocksdb::Cache::Priority::HIGH);
    if (s.ok()) row_cache_reservation_.push_back(h);
  }
}

RocksDBSharedResources::~RocksDBSharedResources() {
  for (auto* h : row_cache_reservation_) cache_->Release(h, /*erase_if_last_ref=*/true);
}

std::shared_ptr<RocksDBSharedResources> RocksDBSharedResources::for_slot(const std::string& slot_key,
                                                                         int64_t budget,
                                                                         double write_buffer_ratio,
                                                                         double high_prio_ratio,
                                                                         double row_cache_ratio) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<RocksDBSharedResources>> slots;
  std::lock_guard lock(mu);
  if (auto existing = slots[slot_key].lock();
      existing && existing->budget() == budget && existing->row_cache_ratio_ == row_cache_ratio)
    return existing;
  auto r =
      std::make_shared<RocksDBSharedResources>(budget, write_buffer_ratio, high_prio_ratio, row_cache_ratio);
  slots[slot_key] = r;
  std::erase_if(slots, [](const auto& kv) { return kv.second.expired(); });
  return r;
}

namespace rocks {

TtlVerdict apply_ttl(Layout layout, std::string_view value, Timestamp now, int64_t ttl_ms,
                     std::string* rewritten) {
  auto expired = [&](int64_t ts) { return ts + ttl_ms <= now; };
  if (layout != Layout::kList) {
    if (value.size() < 8) return TtlVerdict::kKeep;
    return expired(read_i64(value.data() + value.size() - 8)) ? TtlVerdict::kRemove : TtlVerdict::kKeep;
  }
  DataInput in(value);
  size_t live = 0, dead = 0;
  rewritten->clear();
  while (!in.at_end()) {
    const char* start = reinterpret_cast<const char*>(in.position());
    std::string_view elem = in.read_bytes();
    if (elem.size() >= 8 && expired(read_i64(elem.data() + elem.size() - 8))) {
      ++dead;
    } else {
      ++live;
      rewritten->append(start, reinterpret_cast<const char*>(in.position()) - start);
    }
  }
  if (live == 0) return TtlVerdict::kRemove;
  return dead == 0 ? TtlVerdict::kKeep : TtlVerdict::kRewrite;
}

}  // namespace rocks

namespace {

class TtlFilter final : public rocksdb::CompactionFilter {
 public:
  TtlFilter(rocks::Layout layout, Timestamp now, int64_t ttl) : layout_(layout), now_(now), ttl_(ttl) {}
  // Values and merge operands alike: a list's operands are appended elements, each with its own
  // refresh time, so expired ones go even before the operands are merged into one row.
  Decision FilterV2(int, const rocksdb::Slice&, ValueType type, const rocksdb::Slice& value,
                    std::string* new_value, std::string*) const override {
    if (type != ValueType::kValue && type != ValueType::kMergeOperand) return Decision::kKeep;
    switch (rocks::apply_ttl(layout_, {value.data(), value.size()}, now_, ttl_, new_value)) {
      case rocks::TtlVerdict::kKeep:
        return Decision::kKeep;
      case rocks::TtlVerdict::kRemove:
        return Decision::kRemove;
      case rocks::TtlVerdict::kRewrite:
        return Decision::kChangeValue;
    }
    return Decision::kKeep;
  }
  const char* Name() const override { return "WeirTtlFilter"; }

 private:
  rocks::Layout layout_;
  Timestamp now_;
  int64_t ttl_;
};

class ListAppendOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    new_value->clear();
    if (existing) {
      new_value->reserve(existing->size() + value.size());
      new_value->assign(existing->data(), existing->size());
    }
    new_value->append(value.data(), value.size());
    return true;
  }
  const char* Name() const override { return "WeirListAppend"; }
};

}  // namespace

std::unique_ptr<rocksdb::CompactionFilter> TtlFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context&) {
  int64_t ttl = ttl_ms_.load(std::memory_order_acquire);
  if (ttl <= 0) return nullptr;
  return std::make_unique<TtlFilter>(layout_, clock_->now_ms(), ttl);
}

std::shared_ptr<rocksdb::MergeOperator> list_append_operator() {
  static auto op = std::make_shared<ListAppendOperator>();
  return op;
}

}  // namespace weir::state
