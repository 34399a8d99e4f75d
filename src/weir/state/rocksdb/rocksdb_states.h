#pragma once
// The RocksDB backend's state types. Each state owns one column family; rows are laid out as in
// rocksdb_key_layout.h. Reads deserialize from the backend's rows, writes serialize into them (the
// backend's write-back row cache, rocksdb_row_cache.h, keeps hot rows in front of RocksDB); the states
// themselves cache only the current row key (rebuilt when the key or namespace changes). TTL: expired rows
// are dropped by the compaction filter, filtered on read (and removed then), and by cleanup_expired().
// Threading: task thread only.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weir/common/bytes_equal.h"
#include "weir/common/serializer.h"
#include "weir/state/heap/heap_states.h"
#include "weir/state/heap/ttl.h"
#include "weir/state/internal_state.h"
#include "weir/state/rocksdb/rocksdb_keyed_state_backend.h"
#include "weir/state/state_descriptor.h"

namespace weir::state {

//! The bytes one serialized T occupies at the front of `in` (which moves past them).
template <typename T>
std::string_view skip_serialized(DataInput& in) {
  const uint8_t* p0 = in.position();
  (void)Serializer<T>::read(in);
  return {reinterpret_cast<const char*>(p0), static_cast<size_t>(in.position() - p0)};
}

template <typename Iface>
class RocksDBStateCommon : public Iface {
 public:
  RocksDBStateCommon(RocksDBKeyedStateBackend* b, const StateDescriptorBase& d, rocks::Layout layout)
      : backend_(b),
        ttl_(b, d.ttl),
        ttl_ms_(d.ttl && d.ttl->enabled() ? d.ttl->ttl_ms : 0),
        cf_(b->column_family(d.name, layout, d.ttl)) {}
  void set_current_namespace(std::string_view ns) override {
    if (!bytes_equal(ns, ns_)) {
      ns_.assign(ns.data(), ns.size());
      cached_version_ = ~0ULL;
    }
  }
  size_t num_entries() const override { return backend_->count_entries(cf_); }
  void cleanup_expired() override { backend_->cleanup_expired(cf_, ttl_ms_); }
  void snapshot_key_group(KeyGroup kg, DataOutput& out) override { backend_->snapshot_rows(cf_, kg, out); }

 protected:
  //! The row key of the current key and namespace; for map state the prefix of its rows.
  const std::string& row_key() {
    if (cached_version_ != backend_->key_version()) {
      backend_->local_key_group_index();  // throws for a key outside this subtask's range
      key_.clear();
      rocks::append_key_group(key_, backend_->current_key_group());
      std::string_view k = backend_->current_key();
      rocks::append_u32(key_, static_cast<uint32_t>(k.size()));
      key_.append(k);
      if (cf_->layout == rocks::Layout::kMap) rocks::append_u32(key_, static_cast<uint32_t>(ns_.size()));
      key_.append(ns_);
      cached_version_ = backend_->key_version();
    }
    return key_;
  }
  //! Encodes value + refresh time (the canonical TimedValue bytes) into out_.
  template <typename T>
  std::string_view encode_timed(const T& v, Timestamp ts) {
    out_.clear();
    Serializer<T>::write(out_, v);
    out_.write_fixed<int64_t>(ts);
    return out_.view();
  }
  //! Reads a value row (value + refresh time) of the current key: nullopt when absent; removes it and
  //! honours visibility when expired; refreshes it when reads refresh.
  template <typename T>
  std::optional<T> read_timed() {
    if (!backend_->get(cf_, row_key(), &buf_)) return std::nullopt;
    DataInput in(buf_);
    T v = Serializer<T>::read(in);
    Timestamp ts = in.read_fixed<int64_t>();
    if (ttl_.expired(ts)) {
      backend_->remove(cf_, key_);
      if (ttl_.return_expired()) return v;
      return std::nullopt;
    }
    if (ttl_.refresh_on_read()) backend_->put(cf_, key_, encode_timed(v, ttl_.now()));
    return v;
  }
  //! Restores canonical entries whose values are one serialized T each (value-like states).
  template <typename T>
  void restore_timed_rows(KeyGroup kg, DataInput& in) {
    uint64_t n = in.read_varint();
    std::string k;
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view composite = in.read_bytes();
      k.clear();
      rocks::append_key_group(k, kg);
      k.append(composite);
      std::string_view v = skip_serialized<TimedValue<T>>(in);
      backend_->put(cf_, k, v);
    }
  }
  //! Shared by the merging states: reads and deletes the rows of `sources`, returning their values.
  template <typename T>
  std::vector<T> take_namespaces(const std::vector<std::string>& sources) {
    std::vector<T> out;
    for (const auto& s : sources) {
      set_current_namespace(s);
      if (!backend_->get(cf_, row_key(), &buf_)) continue;
      DataInput in(buf_);
      out.push_back(Serializer<T>::read(in));
      backend_->remove(cf_, key_);
    }
    return out;
  }

  RocksDBKeyedStateBackend* backend_;
  TtlPolicy ttl_;
  int64_t ttl_ms_;
  RocksDBColumnFamily* cf_;
  std::string ns_;
  std::string key_;
  uint64_t cached_version_ = ~0ULL;
  std::string buf_;
  DataOutput out_;
};

template <typename V>
class RocksDBValueState final : public RocksDBStateCommon<InternalValueState<V>> {
  using Base = RocksDBStateCommon<InternalValueState<V>>;

 public:
  RocksDBValueState(RocksDBKeyedStateBackend* b, const StateDescriptorBase& d)
      : Base(b, d, rocks::Layout::kValue) {}
  std::optional<V> value() override { return this->template read_timed<V>(); }
  void update(const V& v) override {
    this->backend_->put(this->cf_, this->row_key(), this->encode_timed(v, this->ttl_.now()));
  }
  void clear() override { this->backend_->remove(this->cf_, this->row_key()); }
  void restore_key_group(KeyGroup kg, DataInput& in) override {
    this->template restore_timed_rows<V>(kg, in);
  }
};

template <typename V>
class RocksDBReducingState final : public RocksDBStateCommon<InternalReducingState<V>> {
  using Base = RocksDBStateCommon<InternalReducingState<V>>;

 public:
  RocksDBReducingState(RocksDBKeyedStateBackend* b, const ReducingStateDescriptor<V>& d)
      : Base(b, d, rocks::Layout::kValue), reduce_(d.reduce) {}
  std::optional<V> get() override { return this->template read_timed<V>(); }
  void add(const V& v) override { add_reporting_new(v); }
  bool add_reporting_new(const V& v) override {
    std::optional<V> cur;
    if (this->backend_->get(this->cf_, this->row_key(), &this->buf_)) {
      DataInput in(this->buf_);
      V old = Serializer<V>::read(in);
      if (!this->ttl_.expired(in.read_fixed<int64_t>())) cur = std::move(old);
    }
    V next = cur ? reduce_(*cur, v) : v;
    this->backend_->put(this->cf_, this->key_, this->encode_timed(next, this->ttl_.now()));
    return !cur.has_value();
  }
  void clear() override { this->backend_->remove(this->cf_, this->row_key()); }
  void merge_namespaces(std::string_view target, const std::vector<std::string>& sources) override {
    std::optional<V> acc;
    for (auto& v : this->template take_namespaces<V>(sources)) acc = acc ? reduce_(*acc, v) : std::move(v);
    this->set_current_namespace(target);
    if (acc) add(*acc);
  }
  void restore_key_group(KeyGroup kg, DataInput& in) override {
    this->template restore_timed_rows<V>(kg, in);
  }

 private:
  std::function<V(const V&, const V&)> reduce_;
};

template <typename IN, typename ACC, typename OUT>
class RocksDBAggregatingState final : public RocksDBStateCommon<InternalAggregatingState<IN, ACC, OUT>> {
  using Base = RocksDBStateCommon<InternalAggregatingState<IN, ACC, OUT>>;

 public:
  RocksDBAggregatingState(RocksDBKeyedStateBackend* b, const AggregatingStateDescriptor<IN, ACC, OUT>& d)
      : Base(b, d, rocks::Layout::kValue), agg_(d.agg) {}
  std::optional<OUT> get() override {
    auto acc = this->template read_timed<ACC>();
    if (!acc) return std::nullopt;
    return agg_->get_result(*acc);
  }
  void add(const IN& v) override { add_reporting_new(v); }
  bool add_reporting_new(const IN& v) override {
    std::optional<ACC> cur;
    if (this->backend_->get(this->cf_, this->row_key(), &this->buf_)) {
      DataInput in(this->buf_);
      ACC old = Serializer<ACC>::read(in);
      if (!this->ttl_.expired(in.read_fixed<int64_t>())) cur = std::move(old);
    }
    bool created = !cur.has_value();
    ACC next = agg_->add(v, created ? agg_->create_accumulator() : std::move(*cur));
    this->backend_->put(this->cf_, this->key_, this->encode_timed(next, this->ttl_.now()));
    return created;
  }
  void clear() override { this->backend_->remove(this->cf_, this->row_key()); }
  std::optional<ACC> get_accumulator() override {
    if (!this->backend_->get(this->cf_, this->row_key(), &this->buf_)) return std::nullopt;
    DataInput in(this->buf_);
    return Serializer<ACC>::read(in);
  }
  void merge_namespaces(std::string_view target, const std::vector<std::string>& sources) override {
    std::optional<ACC> acc;
    for (auto& a : this->template take_namespaces<ACC>(sources))
      acc = acc ? agg_->merge(std::move(*acc), std::move(a)) : std::move(a);
    this->set_current_namespace(target);
    if (!acc) return;
    if (auto existing = get_accumulator()) acc = agg_->merge(std::move(*existing), std::move(*acc));
    this->backend_->put(this->cf_, this->row_key(), this->encode_timed(*acc, this->ttl_.now()));
  }
  void restore_key_group(KeyGroup kg, DataInput& in) override {
    this->template restore_timed_rows<ACC>(kg, in);
  }

 private:
  std::shared_ptr<AggregateFunction<IN, ACC, OUT>> agg_;
};

template <typename V>
class RocksDBListState final : public RocksDBStateCommon<InternalListState<V>> {
  using Base = RocksDBStateCommon<InternalListState<V>>;

 public:
  RocksDBListState(RocksDBKeyedStateBackend* b, const StateDescriptorBase& d)
      : Base(b, d, rocks::Layout::kList) {}
  std::vector<V> get() override {
    std::vector<V> out;
    if (!this->backend_->get(this->cf_, this->row_key(), &this->buf_)) return out;
    bool rewrite = this->ttl_.refresh_on_read();
    DataOutput live;
    for (DataInput in(this->buf_); !in.at_end();) {
      DataInput e(in.read_bytes());
      V v = Serializer<V>::read(e);
      Timestamp ts = e.read_fixed<int64_t>();
      bool expired = this->ttl_.expired(ts);
      rewrite |= expired;
      if (!expired) append_element(live, v, this->ttl_.refresh_on_read() ? this->ttl_.now() : ts);
      if (!expired || this->ttl_.return_expired()) out.push_back(std::move(v));
    }
    if (rewrite) {
      if (live.size() == 0) {
        this->backend_->remove(this->cf_, this->key_);
      } else {
        this->backend_->put(this->cf_, this->key_, live.view());
      }
    }
    return out;
  }
  void add(const V& v) override {
    this->out_.clear();
    append_element(this->out_, v, this->ttl_.now());
    this->backend_->merge(this->cf_, this->row_key(), this->out_.view());
  }
  bool add_reporting_new(const V& v) override {
    bool existed = this->backend_->get(this->cf_, this->row_key(), &this->buf_);
    add(v);
    return !existed;
  }
  void update(const std::vector<V>& vs) override {
    if (vs.empty()) {
      clear();
      return;
    }
    this->out_.clear();
    for (const auto& v : vs) append_element(this->out_, v, this->ttl_.now());
    this->backend_->put(this->cf_, this->row_key(), this->out_.view());
  }
  void clear() override { this->backend_->remove(this->cf_, this->row_key()); }
  void merge_namespaces(std::string_view target, const std::vector<std::string>& sources) override {
    // List rows are self-delimiting: merging is concatenating the source rows.
    std::string merged;
    for (const auto& s : sources) {
      this->set_current_namespace(s);
      if (!this->backend_->get(this->cf_, this->row_key(), &this->buf_)) continue;
      merged.append(this->buf_);
      this->backend_->remove(this->cf_, this->key_);
    }
    this->set_current_namespace(target);
    if (!merged.empty()) this->backend_->merge(this->cf_, this->row_key(), merged);
  }
  void restore_key_group(KeyGroup kg, DataInput& in) override {
    uint64_t n = in.read_varint();
    std::string k;
    DataOutput row;
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view composite = in.read_bytes();
      k.clear();
      rocks::append_key_group(k, kg);
      k.append(composite);
      row.clear();
      for (uint64_t m = in.read_varint(); m > 0; --m) row.write_bytes(skip_serialized<TimedValue<V>>(in));
      this->backend_->put(this->cf_, k, row.view());
    }
  }

 private:
  void append_element(DataOutput& out, const V& v, Timestamp ts) {
    elem_.clear();
    Serializer<V>::write(elem_, v);
    elem_.write_fixed<int64_t>(ts);
    out.write_bytes(elem_.view());
  }
  DataOutput elem_;
};

template <typename UK, typename UV>
class RocksDBMapState final : public RocksDBStateCommon<InternalMapState<UK, UV>> {
  using Base = RocksDBStateCommon<InternalMapState<UK, UV>>;

 public:
  RocksDBMapState(RocksDBKeyedStateBackend* b, const StateDescriptorBase& d)
      : Base(b, d, rocks::Layout::kMap) {}
  std::optional<UV> get(const UK& k) override {
    const std::string& row = user_row(k);
    if (!this->backend_->get(this->cf_, row, &this->buf_)) return std::nullopt;
    DataInput in(this->buf_);
    UV v = Serializer<UV>::read(in);
    Timestamp ts = in.read_fixed<int64_t>();
    if (this->ttl_.expired(ts)) {
      this->backend_->remove(this->cf_, row);
      if (this->ttl_.return_expired()) return v;
      return std::nullopt;
    }
    if (this->ttl_.refresh_on_read())
      this->backend_->put(this->cf_, row, this->encode_timed(v, this->ttl_.now()));
    return v;
  }
  void put(const UK& k, const UV& v) override {
    const std::string& row = user_row(k);
    this->backend_->put(this->cf_, row, this->encode_timed(v, this->ttl_.now()));
  }
  void remove(const UK& k) override { this->backend_->remove(this->cf_, user_row(k)); }
  bool contains(const UK& k) override { return get(k).has_value(); }
  std::vector<std::pair<UK, UV>> entries() override {
    std::vector<std::pair<UK, UV>> out;
    scan([&](UK k, UV v) {
      out.emplace_back(std::move(k), std::move(v));
      return true;
    });
    return out;
  }
  bool is_empty() override {
    bool empty = true;
    scan([&](UK, UV) {
      empty = false;
      return false;
    });
    return empty;
  }
  void clear() override { this->backend_->remove_prefix(this->cf_, this->row_key()); }
  void restore_key_group(KeyGroup kg, DataInput& in) override {
    uint64_t n = in.read_varint();
    std::string prefix, row;
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view composite = in.read_bytes();  // u32 key length | key | namespace
      uint32_t klen = rocks::read_u32(composite.data());
      prefix.clear();
      rocks::append_key_group(prefix, kg);
      prefix.append(composite.substr(0, 4 + klen));
      rocks::append_u32(prefix, static_cast<uint32_t>(composite.size() - 4 - klen));
      prefix.append(composite.substr(4 + klen));
      for (uint64_t m = in.read_varint(); m > 0; --m) {
        std::string_view uk = skip_serialized<UK>(in);
        const uint8_t* v0 = in.position();
        skip_serialized<UV>(in);
        in.skip(8);
        row.assign(prefix);
        row.append(uk);
        this->backend_->put(this->cf_, row,
                            {reinterpret_cast<const char*>(v0), static_cast<size_t>(in.position() - v0)});
      }
    }
  }

 private:
  const std::string& user_row(const UK& k) {
    row_.assign(this->row_key());
    uk_.clear();
    Serializer<UK>::write(uk_, k);
    row_.append(uk_.view());
    return row_;
  }
  //! Calls f(key, value) for each live entry of the current key and namespace (in serialized-key
  //! order) until it returns false; removes expired entries and refreshes read ones per the TTL config.
  template <typename F>
  void scan(F&& f) {
    const std::string& prefix = this->row_key();
    std::vector<std::string> expired;
    std::vector<std::pair<std::string, std::string>> refreshed;
    for (auto it = this->backend_->iterate(this->cf_, prefix); it.valid(); it.next()) {
      DataInput kin(it.key().substr(prefix.size()));
      UK k = Serializer<UK>::read(kin);
      DataInput vin(it.value());
      UV v = Serializer<UV>::read(vin);
      Timestamp ts = vin.read_fixed<int64_t>();
      bool dead = this->ttl_.expired(ts);
      if (dead) expired.emplace_back(it.key());
      if (dead && !this->ttl_.return_expired()) continue;
      if (!dead && this->ttl_.refresh_on_read())
        refreshed.emplace_back(std::string(it.key()), std::string(this->encode_timed(v, this->ttl_.now())));
      if (!f(std::move(k), std::move(v))) break;
    }
    for (const auto& k : expired) this->backend_->remove(this->cf_, k);
    for (const auto& [k, v] : refreshed) this->backend_->put(this->cf_, k, v);
  }
  std::string row_;
  DataOutput uk_;
};

}  // namespace weir::state
