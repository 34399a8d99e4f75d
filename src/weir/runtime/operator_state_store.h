#pragma once
// Non-keyed state of one operator subtask: named lists (operator list state) and broadcast maps.
// Held in memory; the checkpoint issue adds snapshot and redistribution (even-split and union).
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/checkpoint/operator_snapshot.h"
#include "weir/common/error.h"
#include "weir/common/serializer.h"
#include "weir/state/state.h"

namespace weir::runtime {

class OperatorStateBase {
 public:
  virtual ~OperatorStateBase() = default;
  //! List states: each element serialized on its own (so lists can be split on rescale).
  virtual std::vector<std::string> snapshot_elements() const { return {}; }
  virtual void restore_elements(const std::vector<std::string>& elems) {}
  //! Broadcast states: (key bytes, value bytes) pairs.
  virtual std::vector<std::pair<std::string, std::string>> snapshot_entries() const { return {}; }
  virtual void restore_entries(const std::vector<std::pair<std::string, std::string>>& kvs) {}
  virtual bool is_broadcast() const { return false; }
};

template <typename V>
class OperatorListState final : public ListState<V>, public OperatorStateBase {
 public:
  std::vector<V> get() override { return values_; }
  void add(const V& v) override { values_.push_back(v); }
  void update(const std::vector<V>& vs) override { values_ = vs; }
  void clear() override { values_.clear(); }
  std::vector<std::string> snapshot_elements() const override {
    std::vector<std::string> out;
    for (const auto& v : values_) out.push_back(serialize_to_string(v));
    return out;
  }
  void restore_elements(const std::vector<std::string>& elems) override {
    for (const auto& e : elems) values_.push_back(deserialize_from_string<V>(e));
  }

 private:
  std::vector<V> values_;
};

template <typename K, typename V>
class HeapBroadcastState final : public BroadcastState<K, V>, public OperatorStateBase {
 public:
  std::optional<V> get(const K& k) const override {
    auto it = map_.find(serialize_to_string(k));
    if (it == map_.end()) return std::nullopt;
    return it->second.second;
  }
  bool contains(const K& k) const override { return map_.count(serialize_to_string(k)) > 0; }
  std::vector<std::pair<K, V>> entries() const override {
    std::vector<std::pair<K, V>> out;
    for (const auto& [kb, kv] : map_) out.push_back(kv);
    return out;
  }
  void put(const K& k, const V& v) override { map_[serialize_to_string(k)] = {k, v}; }
  void remove(const K& k) override { map_.erase(serialize_to_string(k)); }
  void clear() override { map_.clear(); }
  bool is_broadcast() const override { return true; }
  std::vector<std::pair<std::string, std::string>> snapshot_entries() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [kb, kv] : map_) out.emplace_back(kb, serialize_to_string(kv.second));
    return out;
  }
  void restore_entries(const std::vector<std::pair<std::string, std::string>>& kvs) override {
    for (const auto& [kb, vb] : kvs)
      map_[kb] = {deserialize_from_string<K>(kb), deserialize_from_string<V>(vb)};
  }

 private:
  std::map<std::string, std::pair<K, V>> map_;  // ordered, so iteration is deterministic
};

class OperatorStateStore {
 public:
  template <typename S>
  S* get_or_create(const std::string& name) {
    auto& slot = states_[name];
    if (!slot) {
      slot = std::make_unique<S>();
      if (auto it = pending_lists_.find(name); it != pending_lists_.end()) {
        slot->restore_elements(it->second);
        pending_lists_.erase(it);
      }
      if (auto it = pending_broadcast_.find(name); it != pending_broadcast_.end()) {
        slot->restore_entries(it->second);
        pending_broadcast_.erase(it);
      }
    }
    auto* typed = dynamic_cast<S*>(slot.get());
    if (!typed)
      throw JobDefinitionError("operator state '" + name + "' is already registered with another type");
    return typed;
  }

  //! Adds every state (and restored state not asked for yet) to a snapshot.
  void snapshot(checkpoint::OperatorSnapshot& out) const {
    for (const auto& [name, st] : states_) {
      if (st->is_broadcast())
        out.broadcast_states[name] = st->snapshot_entries();
      else
        out.list_states[name] = st->snapshot_elements();
    }
    for (const auto& [name, elems] : pending_lists_) out.list_states[name] = elems;
    for (const auto& [name, kvs] : pending_broadcast_) out.broadcast_states[name] = kvs;
  }

  //! List state is split evenly: the old subtasks' elements, concatenated in subtask order, are cut
  //! into `parallelism` contiguous runs and this subtask takes run `subtask`. At an unchanged
  //! parallelism each subtask takes back exactly its own elements (as Flink does), so a subtask
  //! restored alone (region failover) neither loses nor takes over elements of running ones.
  //! Broadcast state is the same on every old subtask, so one copy is taken.
  void restore(const checkpoint::OperatorRestore& r, int subtask, int parallelism) {
    std::vector<const checkpoint::OperatorSnapshot*> parts = r.parts;
    std::sort(parts.begin(), parts.end(), [](auto* a, auto* b) { return a->subtask < b->subtask; });
    bool same_parallelism =
        std::all_of(parts.begin(), parts.end(), [&](auto* p) { return p->parallelism == parallelism; });
    std::map<std::string, std::vector<std::string>> all, own;
    for (const auto* p : parts)
      for (const auto& [name, elems] : p->list_states) {
        all[name].insert(all[name].end(), elems.begin(), elems.end());
        if (p->subtask == subtask) own[name].insert(own[name].end(), elems.begin(), elems.end());
      }
    for (auto& [name, elems] : all) {
      if (name.rfind("union:", 0) == 0) {  // union redistribution: every subtask gets everything
        pending_lists_[name] = elems;
        continue;
      }
      if (same_parallelism) {
        pending_lists_[name] = own[name];
        continue;
      }
      size_t n = elems.size();
      size_t from = n * subtask / parallelism, to = n * (subtask + 1) / parallelism;
      pending_lists_[name].assign(elems.begin() + from, elems.begin() + to);
    }
    if (!parts.empty())
      for (const auto& [name, kvs] : parts.front()->broadcast_states) pending_broadcast_[name] = kvs;
  }

 private:
  std::map<std::string, std::unique_ptr<OperatorStateBase>> states_;
  std::map<std::string, std::vector<std::string>> pending_lists_;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> pending_broadcast_;
};

}  // namespace weir::runtime
