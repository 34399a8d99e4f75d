#pragma once
// The heap backend's state types. Values live as C++ objects in HeapStateTables; TTL is checked on
// access (and expired entries are removed then) and by cleanup_expired().
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "weir/common/serializer.h"
#include "weir/state/heap/heap_state_table.h"
#include "weir/state/heap/ttl.h"
#include "weir/state/internal_state.h"
#include "weir/state/state_descriptor.h"

namespace weir::state {

//! A heap state with a table of Entry and TTL policy; namespaces and cleanup are common. `Iface` is
//! the internal state interface it implements (InternalValueState<V>, ...).
template <typename Entry, typename Iface>
class HeapStateCommon : public Iface {
 public:
  HeapStateCommon(KeyedStateBackend* b, const StateDescriptorBase& d) : table_(b), ttl_(b, d.ttl) {}
  void set_current_namespace(std::string_view ns) override { table_.set_namespace(ns); }
  size_t num_entries() const override { return table_.size(); }
  void cleanup_expired() override {
    if (!ttl_.enabled()) return;
    for (auto& g : table_.groups())
      for (auto it = g.begin(); it != g.end();) it = prune(it->second) ? g.erase(it) : std::next(it);
  }
  void snapshot_key_group(KeyGroup kg, DataOutput& out) override {
    const auto& g = table_.group(kg);
    out.write_varint(g.size());
    for (const auto& [key, entry] : g) {
      out.write_bytes(key);
      Serializer<Entry>::write(out, entry);
    }
  }
  void restore_key_group(KeyGroup kg, DataInput& in) override {
    auto& g = table_.group(kg);
    uint64_t n = in.read_varint();
    for (uint64_t i = 0; i < n; ++i) {
      std::string key(in.read_bytes());
      g.insert_or_assign(std::move(key), Serializer<Entry>::read(in));
    }
  }

 protected:
  //! Drops expired parts of an entry; true when nothing live remains.
  virtual bool prune(Entry& e) = 0;
  HeapStateTable<Entry> table_;
  TtlPolicy ttl_;
};

template <typename V>
struct TimedValue {
  V value{};
  Timestamp ts = 0;  //!< processing time of the last refresh (TTL)
};

template <typename V>
class HeapValueState final : public HeapStateCommon<TimedValue<V>, InternalValueState<V>> {
  using Base = HeapStateCommon<TimedValue<V>, InternalValueState<V>>;

 public:
  HeapValueState(KeyedStateBackend* b, const StateDescriptorBase& d) : Base(b, d) {}
  std::optional<V> value() override {
    auto* e = this->table_.find();
    if (!e) return std::nullopt;
    if (this->ttl_.expired(e->ts)) {
      std::optional<V> v;
      if (this->ttl_.return_expired()) v = std::move(e->value);
      this->table_.erase();
      return v;
    }
    if (this->ttl_.refresh_on_read()) e->ts = this->ttl_.now();
    return e->value;
  }
  void update(const V& v) override {
    auto& e = this->table_.get_or_create();
    e.value = v;
    e.ts = this->ttl_.now();
  }
  void clear() override { this->table_.erase(); }

 protected:
  bool prune(TimedValue<V>& e) override { return this->ttl_.expired(e.ts); }
};

template <typename V>
class HeapListState final : public HeapStateCommon<std::vector<TimedValue<V>>, InternalListState<V>> {
  using Base = HeapStateCommon<std::vector<TimedValue<V>>, InternalListState<V>>;

 public:
  HeapListState(KeyedStateBackend* b, const StateDescriptorBase& d) : Base(b, d) {}
  std::vector<V> get() override {
    std::vector<V> out;
    auto* e = this->table_.find();
    if (!e) return out;
    bool any_expired = false;
    for (auto& tv : *e) {
      bool expired = this->ttl_.expired(tv.ts);
      any_expired |= expired;
      if (!expired || this->ttl_.return_expired()) {
        if (!expired && this->ttl_.refresh_on_read()) tv.ts = this->ttl_.now();
        out.push_back(tv.value);
      }
    }
    if (any_expired && prune(*e)) this->table_.erase();
    return out;
  }
  void add(const V& v) override { add_reporting_new(v); }
  //! add(v); true when the list was empty before (the first element for this key and namespace).
  bool add_reporting_new(const V& v) override {
    auto& e = this->table_.get_or_create();
    bool created = e.empty();
    e.push_back({v, this->ttl_.now()});
    return created;
  }
  void update(const std::vector<V>& vs) override {
    if (vs.empty()) {
      this->table_.erase();
      return;
    }
    auto& e = this->table_.get_or_create();
    e.clear();
    for (const auto& v : vs) e.push_back({v, this->ttl_.now()});
  }
  void clear() override { this->table_.erase(); }
  //! Appends the lists of `sources` namespaces to `target` (merging windows).
  void merge_namespaces(std::string_view target, const std::vector<std::string>& sources) override {
    std::vector<TimedValue<V>> merged;
    for (const auto& s : sources) {
      this->table_.set_namespace(s);
      if (auto* e = this->table_.find()) {
        merged.insert(merged.end(), e->begin(), e->end());
        this->table_.erase();
      }
    }
    this->table_.set_namespace(target);
    if (!merged.empty()) {
      auto& e = this->table_.get_or_create();
      e.insert(e.end(), merged.begin(), merged.end());
    }
  }

 protected:
  bool prune(std::vector<TimedValue<V>>& e) override {
    std::erase_if(e, [&](const TimedValue<V>& tv) { return this->ttl_.expired(tv.ts); });
    return e.empty();
  }
};

template <typename UK, typename UV>
struct MapEntry {
  // Keyed by the serialized user key, so any serializable key type works.
  std::unordered_map<std::string, std::tuple<UK, UV, Timestamp>, StringViewHash, std::equal_to<>> map;
};

template <typename UK, typename UV>
class HeapMapState final : public HeapStateCommon<MapEntry<UK, UV>, InternalMapState<UK, UV>> {
  using Base = HeapStateCommon<MapEntry<UK, UV>, InternalMapState<UK, UV>>;

 public:
  HeapMapState(KeyedStateBackend* b, const StateDescriptorBase& d) : Base(b, d) {}
  std::optional<UV> get(const UK& k) override {
    auto* e = this->table_.find();
    if (!e) return std::nullopt;
    auto it = e->map.find(key_bytes(k));
    if (it == e->map.end()) return std::nullopt;
    auto& [uk, uv, ts] = it->second;
    if (this->ttl_.expired(ts)) {
      std::optional<UV> v;
      if (this->ttl_.return_expired()) v = std::move(uv);
      e->map.erase(it);
      if (e->map.empty()) this->table_.erase();
      return v;
    }
    if (this->ttl_.refresh_on_read()) ts = this->ttl_.now();
    return uv;
  }
  void put(const UK& k, const UV& v) override {
    auto& e = this->table_.get_or_create();
    e.map.insert_or_assign(std::string(key_bytes(k)), std::tuple<UK, UV, Timestamp>{k, v, this->ttl_.now()});
  }
  void remove(const UK& k) override {
    auto* e = this->table_.find();
    if (!e) return;
    auto it = e->map.find(key_bytes(k));
    if (it != e->map.end()) e->map.erase(it);
    if (e->map.empty()) this->table_.erase();
  }
  bool contains(const UK& k) override { return get(k).has_value(); }
  std::vector<std::pair<UK, UV>> entries() override {
    std::vector<std::pair<UK, UV>> out;
    auto* e = this->table_.find();
    if (!e) return out;
    bool any_expired = false;
    for (auto& [kb, t] : e->map) {
      auto& [uk, uv, ts] = t;
      bool expired = this->ttl_.expired(ts);
      any_expired |= expired;
      if (!expired || this->ttl_.return_expired()) {
        if (!expired && this->ttl_.refresh_on_read()) ts = this->ttl_.now();
        out.emplace_back(uk, uv);
      }
    }
    if (any_expired && prune(*e)) this->table_.erase();
    return out;
  }
  bool is_empty() override { return entries().empty(); }
  void clear() override { this->table_.erase(); }

 protected:
  bool prune(MapEntry<UK, UV>& e) override {
    std::erase_if(e.map, [&](const auto& kv) { return this->ttl_.expired(std::get<2>(kv.second)); });
    return e.map.empty();
  }

 private:
  std::string_view key_bytes(const UK& k) {
    scratch_.clear();
    Serializer<UK>::write(scratch_, k);
    return scratch_.view();
  }
  DataOutput scratch_;
};

template <typename V>
class HeapReducingState final : public HeapStateCommon<TimedValue<V>, InternalReducingState<V>> {
  using Base = HeapStateCommon<TimedValue<V>, InternalReducingState<V>>;

 public:
  HeapReducingState(KeyedStateBackend* b, const ReducingStateDescriptor<V>& d)
      : Base(b, d), reduce_(d.reduce) {}
  std::optional<V> get() override {
    auto* e = this->table_.find();
    if (!e) return std::nullopt;
    if (this->ttl_.expired(e->ts)) {
      std::optional<V> v;
      if (this->ttl_.return_expired()) v = std::move(e->value);
      this->table_.erase();
      return v;
    }
    if (this->ttl_.refresh_on_read()) e->ts = this->ttl_.now();
    return e->value;
  }
  void add(const V& v) override { add_reporting_new(v); }
  //! add(v); true when that created the entry (the first element for this key and namespace).
  bool add_reporting_new(const V& v) override {
    auto* e = this->table_.find();
    bool created = !e || this->ttl_.expired(e->ts);
    if (created) {
      e = &this->table_.get_or_create();
      e->value = v;
    } else {
      e->value = reduce_(e->value, v);
    }
    e->ts = this->ttl_.now();
    return created;
  }
  void clear() override { this->table_.erase(); }
  void merge_namespaces(std::string_view target, const std::vector<std::string>& sources) override {
    std::optional<V> acc;
    for (const auto& s : sources) {
      this->table_.set_namespace(s);
      if (auto* e = this->table_.find()) {
        acc = acc ? reduce_(*acc, e->value) : e->value;
        this->table_.erase();
      }
    }
    this->table_.set_namespace(target);
    if (acc) add(*acc);
  }

 protected:
  bool prune(TimedValue<V>& e) override { return this->ttl_.expired(e.ts); }

 private:
  std::function<V(const V&, const V&)> reduce_;
};

template <typename IN, typename ACC, typename OUT>
class HeapAggregatingState final
    : public HeapStateCommon<TimedValue<ACC>, InternalAggregatingState<IN, ACC, OUT>> {
  using Base = HeapStateCommon<TimedValue<ACC>, InternalAggregatingState<IN, ACC, OUT>>;

 public:
  HeapAggregatingState(KeyedStateBackend* b, const AggregatingStateDescriptor<IN, ACC, OUT>& d)
      : Base(b, d), agg_(d.agg) {}
  std::optional<OUT> get() override {
    auto* e = this->table_.find();
    if (!e) return std::nullopt;
    if (this->ttl_.expired(e->ts)) {
      std::optional<OUT> v;
      if (this->ttl_.return_expired()) v = agg_->get_result(e->value);
      this->table_.erase();
      return v;
    }
    if (this->ttl_.refresh_on_read()) e->ts = this->ttl_.now();
    return agg_->get_result(e->value);
  }
  void add(const IN& v) override { add_reporting_new(v); }
  //! add(v); true when that created the entry (the first element for this key and namespace).
  bool add_reporting_new(const IN& v) override {
    auto* e = this->table_.find();
    bool created = !e || this->ttl_.expired(e->ts);
    if (created) {
      e = &this->table_.get_or_create();
      e->value = agg_->create_accumulator();
    }
    e->value = agg_->add(v, std::move(e->value));
    e->ts = this->ttl_.now();
    return created;
  }
  void clear() override { this->table_.erase(); }
  //! The raw accumulator (window functions that need it).
  std::optional<ACC> get_accumulator() override {
    auto* e = this->table_.find();
    if (!e) return std::nullopt;
    return e->value;
  }
  void merge_namespaces(std::string_view target, const std::vector<std::string>& sources) override {
    std::optional<ACC> acc;
    for (const auto& s : sources) {
      this->table_.set_namespace(s);
      if (auto* e = this->table_.find()) {
        acc = acc ? agg_->merge(std::move(*acc), e->value) : e->value;
        this->table_.erase();
      }
    }
    this->table_.set_namespace(target);
    if (acc) {
      // Fold into the target's own accumulator, if it has one (as Flink's mergeNamespaces does).
      auto* existing = this->table_.find();
      auto& e = existing ? *existing : this->table_.get_or_create();
      e.value = existing ? agg_->merge(std::move(e.value), std::move(*acc)) : std::move(*acc);
      e.ts = this->ttl_.now();
    }
  }

 protected:
  bool prune(TimedValue<ACC>& e) override { return this->ttl_.expired(e.ts); }

 private:
  std::shared_ptr<AggregateFunction<IN, ACC, OUT>> agg_;
};

}  // namespace weir::state

namespace weir {
// Canonical snapshot formats of the heap entries (value plus TTL timestamp).
template <typename V>
struct Serializer<state::TimedValue<V>> {
  static void write(DataOutput& out, const state::TimedValue<V>& v) {
    Serializer<V>::write(out, v.value);
    out.write_fixed<int64_t>(v.ts);
  }
  static state::TimedValue<V> read(DataInput& in) {
    state::TimedValue<V> v;
    v.value = Serializer<V>::read(in);
    v.ts = in.read_fixed<int64_t>();
    return v;
  }
};
template <typename UK, typename UV>
struct Serializer<state::MapEntry<UK, UV>> {
  static void write(DataOutput& out, const state::MapEntry<UK, UV>& e) {
    out.write_varint(e.map.size());
    for (const auto& [kb, t] : e.map) {
      Serializer<UK>::write(out, std::get<0>(t));
      Serializer<UV>::write(out, std::get<1>(t));
      out.write_fixed<int64_t>(std::get<2>(t));
    }
  }
  static state::MapEntry<UK, UV> read(DataInput& in) {
    state::MapEntry<UK, UV> e;
    uint64_t n = in.read_varint();
    for (uint64_t i = 0; i < n; ++i) {
      UK k = Serializer<UK>::read(in);
      UV v = Serializer<UV>::read(in);
      Timestamp ts = in.read_fixed<int64_t>();
      std::string kb = serialize_to_string(k);
      e.map.insert_or_assign(std::move(kb), std::tuple<UK, UV, Timestamp>{std::move(k), std::move(v), ts});
    }
    return e;
  }
};
}  // namespace weir
