#pragma once
// Non-keyed state of one operator subtask: named lists (operator list state) and broadcast maps.
// Held in memory; the checkpoint issue adds snapshot and redistribution (even-split and union).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/common/error.h"
#include "weir/common/serializer.h"
#include "weir/state/state.h"

namespace weir::runtime {

class OperatorStateBase {
 public:
  virtual ~OperatorStateBase() = default;
};

template <typename V>
class OperatorListState final : public ListState<V>, public OperatorStateBase {
 public:
  std::vector<V> get() override { return values_; }
  void add(const V& v) override { values_.push_back(v); }
  void update(const std::vector<V>& vs) override { values_ = vs; }
  void clear() override { values_.clear(); }

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

 private:
  std::map<std::string, std::pair<K, V>> map_;  // ordered, so iteration is deterministic
};

class OperatorStateStore {
 public:
  template <typename S>
  S* get_or_create(const std::string& name) {
    auto& slot = states_[name];
    if (!slot) slot = std::make_unique<S>();
    auto* typed = dynamic_cast<S*>(slot.get());
    if (!typed) throw JobDefinitionError("operator state '" + name + "' is already registered with another type");
    return typed;
  }

 private:
  std::map<std::string, std::unique_ptr<OperatorStateBase>> states_;
};

}  // namespace weir::runtime
