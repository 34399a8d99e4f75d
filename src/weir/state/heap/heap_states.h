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
#include "weir/state/heap/flat_string_map.h"
#include "weir/state/heap/heap_state_changes.h"
#include "weir/state/heap/heap_state_table.h"
#include "weir/state/heap/ttl.h"
#include "weir/state/internal_state.h"
#include "weir/state/state_descriptor.h"

namespace weir::state {

//! A heap state with a table of Entry and TTL policy; namespaces and cleanup are common. `Iface` is
//! the internal state interface it implements (InternalValueState<V>, ...).
template <typename Entry, typename Iface>
class HeapStateCommon : public Iface, public ChangeTrackedState {
 public:
  HeapStateCommon(KeyedStateBackend* b, const StateDescriptorBase& d)
      : table_(b), ttl_(b, d.ttl), first_group_(b->key_group_range().start) {}
  void set_current_namespace(std::string_view ns) override { table_.set_namespace(ns); }
  size_t num_entries() const override { return table_.size(); }
  void cleanup_expired() override {
    if (!ttl_.enabled()) return;
    table_.update_where([&](const Entry& e) { return has_expired(e); }, [&](Entry& e) { return prune(e); });
  }
  void snapshot_key_group(KeyGroup kg, DataOutput& out) override {
    out.write_varint(table_.group_size(kg));
    table_.for_each_in_group(kg, [&](std::string_view key, const Entry& entry) {
      out.write_bytes(key);
      Serializer<Entry>::write(out, entry);
    });
  }
  void restore_key_group(KeyGroup kg, DataInput& in) override {
    uint64_t n = in.read_varint();
    for (uint64_t i = 0; i < n; ++i) {
      std::string key(in.read_bytes());
      table_.insert_or_assign(kg, std::move(key), Serializer<Entry>::read(in));
    }
  }
  void remove_keys(KeyGroup kg, DataInput& in) override {
    for (uint64_t n = in.read_varint(); n > 0; --n) table_.erase_composite(kg, in.read_bytes());
  }
  //! The entries as they are now, written later in the format of snapshot_key_group, on any thread,
  //! while this state goes on changing (copy-on-write).
  std::unique_ptr<StateSnapshot> pin_snapshot() override {
    return std::make_unique<PinnedSnapshot>(table_.snapshot(), first_group_);
  }
  void track_changes() override { table_.map().track_changes(); }
  std::unique_ptr<StateChanges> pin_changes(bool all) override {
    return std::make_unique<PinnedChanges>(table_.map().snapshot_changes(all), first_group_);
  }

 protected:
  //! True when some part of `e` has expired (cleanup then copies and prunes it).
  virtual bool has_expired(const Entry& e) const = 0;
  //! Drops expired parts of an entry; true when nothing live remains.
  virtual bool prune(Entry& e) = 0;
  HeapStateTable<Entry> table_;
  TtlPolicy ttl_;

 private:
  class PinnedSnapshot final : public StateSnapshot {
   public:
    PinnedSnapshot(std::unique_ptr<typename HeapStateTable<Entry>::Snapshot> s, KeyGroup first)
        : snapshot_(std::move(s)), first_(first) {}
    void write_key_group(KeyGroup kg, DataOutput& out) const override {
      const size_t g = static_cast<size_t>(kg - first_);
      out.write_varint(snapshot_->group_size(g));
      snapshot_->for_each(g, [&](const auto& node) {
        out.write_bytes(node.key());
        Serializer<Entry>::write(out, node.value);
      });
    }

   private:
    std::unique_ptr<typename HeapStateTable<Entry>::Snapshot> snapshot_;
    KeyGroup first_;
  };
  class PinnedChanges final : public StateChanges {
   public:
    PinnedChanges(std::unique_ptr<typename HeapStateTable<Entry>::Snapshot> s, KeyGroup first)
        : snapshot_(std::move(s)), first_(first) {}
    void write_key_group(KeyGroup kg, std::string_view name, KeyedStateFileWriter& out) const override {
      constexpr size_t kRecordBytes = 1 << 20;  // bounds a record; a group's rows may span several
      const size_t g = static_cast<size_t>(kg - first_);
      DataOutput rows;
      const auto& removed = snapshot_->removed(g);
      if (!removed.empty()) {
        for (const auto& key : removed) rows.write_bytes(key);
        out.write_record(kg, name, RowLayout::kRemovals, removed.size(), rows.view());
      }
      rows.clear();
      uint64_t n = 0;
      DataOutput value;
      snapshot_->for_each_changed(g, [&](const auto& node) {
        value.clear();
        Serializer<Entry>::write(value, node.value);
        rows.write_bytes(node.key());
        rows.write_bytes(value.view());
        if (++n, rows.size() >= kRecordBytes) {
          out.write_record(kg, name, RowLayout::kValue, n, rows.view());
          rows.clear();
          n = 0;
        }
      });
      if (n > 0) out.write_record(kg, name, RowLayout::kValue, n, rows.view());
    }

   private:
    std::unique_ptr<typename HeapStateTable<Entry>::Snapshot> snapshot_;
    KeyGroup first_;
  };
  KeyGroup first_group_;
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
    const auto* e = this->table_.peek();
    if (!e) return std::nullopt;
    if (this->ttl_.expired(e->ts)) {
      std::optional<V> v;
      if (this->ttl_.return_expired()) v = e->value;  // copied: a snapshot may share the entry
      this->table_.erase();
      return v;
    }
    if (this->ttl_.refresh_on_read()) {
      auto* w = this->table_.find();
      w->ts = this->ttl_.now();
      return w->value;
    }
    return e->value;
  }
  bool value_into(V& out) override {
    if (this->ttl_.enabled()) return InternalValueState<V>::value_into(out);  // value()'s expiry rules
    const auto* e = this->table_.peek();
    if (!e) return false;
    out = e->value;  // copy-assigned: `out` keeps its buffers
    return true;
  }
  void update(const V& v) override {
    auto& e = this->table_.get_or_create();
    e.value = v;
    e.ts = this->ttl_.now();
  }
  void clear() override { this->table_.erase(); }

 protected:
  bool has_expired(const TimedValue<V>& e) const override { return this->ttl_.expired(e.ts); }
  bool prune(TimedValue<V>& e) override { return this->ttl_.expired(e.ts); }
};

template <typename V>
class HeapListState final : public HeapStateCommon<std::vector<TimedValue<V>>, InternalListState<V>> {
  using Base = HeapStateCommon<std::vector<TimedValue<V>>, InternalListState<V>>;

 public:
  HeapListState(KeyedStateBackend* b, const StateDescriptorBase& d) : Base(b, d) {}
  std::vector<V> get() override {
    std::vector<V> out;
    if (!this->ttl_.enabled()) {
      if (const auto* c = this->table_.peek()) {
        out.reserve(c->size());
        for (const auto& tv : *c) out.push_back(tv.value);
      }
      return out;
    }
    auto* e = this->table_.find();  // TTL refreshes and prunes it
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
      if (const auto* e = this->table_.peek()) {
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
  bool has_expired(const std::vector<TimedValue<V>>& e) const override {
    return std::any_of(e.begin(), e.end(),
                       [&](const TimedValue<V>& tv) { return this->ttl_.expired(tv.ts); });
  }
  bool prune(std::vector<TimedValue<V>>& e) override {
    std::erase_if(e, [&](const TimedValue<V>& tv) { return this->ttl_.expired(tv.ts); });
    return e.empty();
  }
};

template <typename UK, typename UV>
struct MapEntry {
  // Keyed by the serialized user key, so any serializable key type works.
  FlatStringMap<std::tuple<UK, UV, Timestamp>> map;
};

template <typename UK, typename UV>
class HeapMapState final : public HeapStateCommon<MapEntry<UK, UV>, InternalMapState<UK, UV>> {
  using Base = HeapStateCommon<MapEntry<UK, UV>, InternalMapState<UK, UV>>;

 public:
  HeapMapState(KeyedStateBackend* b, const StateDescriptorBase& d) : Base(b, d) {}
  std::optional<UV> get(const UK& k) override {
    const auto* c = this->table_.peek();
    if (!c) return std::nullopt;
    auto found = c->map.find(key_bytes(k));
    if (found == c->map.end()) return std::nullopt;
    if (!this->ttl_.enabled()) return std::get<1>(found->second);
    auto* e = this->table_.find();  // TTL refreshes or removes the element
    auto it = e->map.find(key_bytes(k));
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
    const auto* c = this->table_.peek();
    if (!c || !c->map.contains(key_bytes(k))) return;
    auto* e = this->table_.find();
    auto it = e->map.find(key_bytes(k));
    if (it != e->map.end()) e->map.erase(it);
    if (e->map.empty()) this->table_.erase();
  }
  bool contains(const UK& k) override { return get(k).has_value(); }
  std::vector<std::pair<UK, UV>> entries() override {
    std::vector<std::pair<UK, UV>> out;
    if (!this->ttl_.enabled()) {
      if (const auto* c = this->table_.peek()) {
        out.reserve(c->map.size());
        for (const auto& [kb, t] : c->map) out.emplace_back(std::get<0>(t), std::get<1>(t));
      }
      return out;
    }
    auto* e = this->table_.find();  // TTL refreshes and prunes it
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
  bool has_expired(const MapEntry<UK, UV>& e) const override {
    return std::any_of(e.map.begin(), e.map.end(),
                       [&](const auto& kv) { return this->ttl_.expired(std::get<2>(kv.second)); });
  }
  bool prune(MapEntry<UK, UV>& e) override {
    e.map.erase_if([&](const auto& kv) { return this->ttl_.expired(std::get<2>(kv.second)); });
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
    const auto* e = this->table_.peek();
    if (!e) return std::nullopt;
    if (this->ttl_.expired(e->ts)) {
      std::optional<V> v;
      if (this->ttl_.return_expired()) v = e->value;  // copied: a snapshot may share the entry
      this->table_.erase();
      return v;
    }
    if (this->ttl_.refresh_on_read()) {
      auto* w = this->table_.find();
      w->ts = this->ttl_.now();
      return w->value;
    }
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
      if (const auto* e = this->table_.peek()) {
        acc = acc ? reduce_(*acc, e->value) : e->value;
        this->table_.erase();
      }
    }
    this->table_.set_namespace(target);
    if (acc) add(*acc);
  }

 protected:
  bool has_expired(const TimedValue<V>& e) const override { return this->ttl_.expired(e.ts); }
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
    const auto* e = this->table_.peek();
    if (!e) return std::nullopt;
    if (this->ttl_.expired(e->ts)) {
      std::optional<OUT> v;
      if (this->ttl_.return_expired()) v = agg_->get_result(e->value);
      this->table_.erase();
      return v;
    }
    if (this->ttl_.refresh_on_read()) this->table_.find()->ts = this->ttl_.now();
    return agg_->get_result(this->table_.peek()->value);
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
    const auto* e = this->table_.peek();
    if (!e) return std::nullopt;
    return e->value;
  }
  void merge_namespaces(std::string_view target, const std::vector<std::string>& sources) override {
    std::optional<ACC> acc;
    for (const auto& s : sources) {
      this->table_.set_namespace(s);
      if (const auto* e = this->table_.peek()) {
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
  bool has_expired(const TimedValue<ACC>& e) const override { return this->ttl_.expired(e.ts); }
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
