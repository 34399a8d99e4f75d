#pragma once
// The state types user functions see. Keyed state is scoped to the key of the record (or timer)
// being processed; every call touches only that key's entry.
#include <optional>
#include <utility>
#include <vector>

namespace weir {

class StateBase {
 public:
  virtual ~StateBase() = default;
  //! Removes the value for the current key.
  virtual void clear() = 0;
};

template <typename V>
class ValueState : public StateBase {
 public:
  //! The value for the current key, or nullopt when none is set (or it expired).
  virtual std::optional<V> value() = 0;
  virtual void update(const V& v) = 0;
  //! value() into `out`, reusing what `out` already holds (a vector's or a string's buffer, so that a
  //! function that keeps one `out` reads without allocating): true when a value is set, false (and `out`
  //! unchanged) when none is. A Weir addition to Flink's ValueState.
  virtual bool value_into(V& out) {
    auto v = value();
    if (!v) return false;
    out = std::move(*v);
    return true;
  }
};

template <typename V>
class ListState : public StateBase {
 public:
  virtual std::vector<V> get() = 0;
  virtual void add(const V& v) = 0;
  virtual void add_all(const std::vector<V>& vs) {
    for (const auto& v : vs) add(v);
  }
  //! Replaces the whole list.
  virtual void update(const std::vector<V>& vs) = 0;
};

template <typename UK, typename UV>
class MapState : public StateBase {
 public:
  virtual std::optional<UV> get(const UK& k) = 0;
  virtual void put(const UK& k, const UV& v) = 0;
  virtual void put_all(const std::vector<std::pair<UK, UV>>& kvs) {
    for (const auto& [k, v] : kvs) put(k, v);
  }
  virtual void remove(const UK& k) = 0;
  virtual bool contains(const UK& k) = 0;
  virtual std::vector<std::pair<UK, UV>> entries() = 0;
  virtual std::vector<UK> keys() {
    std::vector<UK> out;
    for (auto& [k, v] : entries()) out.push_back(std::move(k));
    return out;
  }
  virtual std::vector<UV> values() {
    std::vector<UV> out;
    for (auto& [k, v] : entries()) out.push_back(std::move(v));
    return out;
  }
  virtual bool is_empty() = 0;
};

//! Folds added values into one with a reduce function.
template <typename V>
class ReducingState : public StateBase {
 public:
  virtual std::optional<V> get() = 0;
  virtual void add(const V& v) = 0;
};

//! Folds added inputs into an accumulator with an AggregateFunction; get() returns its result.
template <typename IN, typename OUT>
class AggregatingState : public StateBase {
 public:
  virtual std::optional<OUT> get() = 0;
  virtual void add(const IN& v) = 0;
};

//! Read-only view of broadcast state, as seen from the non-broadcast side.
template <typename K, typename V>
class ReadOnlyBroadcastState {
 public:
  virtual ~ReadOnlyBroadcastState() = default;
  virtual std::optional<V> get(const K& k) const = 0;
  virtual bool contains(const K& k) const = 0;
  virtual std::vector<std::pair<K, V>> entries() const = 0;
};

template <typename K, typename V>
class BroadcastState : public ReadOnlyBroadcastState<K, V> {
 public:
  virtual void put(const K& k, const V& v) = 0;
  virtual void remove(const K& k) = 0;
  virtual void clear() = 0;
};

}  // namespace weir
