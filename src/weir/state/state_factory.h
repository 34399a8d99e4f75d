#pragma once
// Creates (or finds) a named state in a keyed backend. The single place that knows which backend
// implements which state type: the RocksDB backend adds its branch here.
#include <string>

#include "weir/common/error.h"
#include "weir/state/heap/heap_states.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

template <typename S, typename Make>
S* get_or_create(KeyedStateBackend& backend, const std::string& name, Make make) {
  if (auto* existing = backend.find(name)) {
    auto* typed = dynamic_cast<S*>(existing);
    if (!typed) throw JobDefinitionError("state '" + name + "' is already registered with another type");
    return typed;
  }
  if (backend.kind() != "hashmap")
    throw ConfigError("state backend '" + std::string(backend.kind()) + "' is not supported");
  auto s = make();
  S* raw = s.get();
  backend.add(name, std::move(s));
  return raw;
}

template <typename V>
HeapValueState<V>* value_state(KeyedStateBackend& b, const ValueStateDescriptor<V>& d) {
  return get_or_create<HeapValueState<V>>(b, d.name,
                                          [&] { return std::make_unique<HeapValueState<V>>(&b, d); });
}
template <typename V>
HeapListState<V>* list_state(KeyedStateBackend& b, const ListStateDescriptor<V>& d) {
  return get_or_create<HeapListState<V>>(b, d.name,
                                         [&] { return std::make_unique<HeapListState<V>>(&b, d); });
}
template <typename UK, typename UV>
HeapMapState<UK, UV>* map_state(KeyedStateBackend& b, const MapStateDescriptor<UK, UV>& d) {
  return get_or_create<HeapMapState<UK, UV>>(b, d.name,
                                             [&] { return std::make_unique<HeapMapState<UK, UV>>(&b, d); });
}
template <typename V>
HeapReducingState<V>* reducing_state(KeyedStateBackend& b, const ReducingStateDescriptor<V>& d) {
  return get_or_create<HeapReducingState<V>>(b, d.name,
                                             [&] { return std::make_unique<HeapReducingState<V>>(&b, d); });
}
template <typename IN, typename ACC, typename OUT>
HeapAggregatingState<IN, ACC, OUT>* aggregating_state(KeyedStateBackend& b,
                                                      const AggregatingStateDescriptor<IN, ACC, OUT>& d) {
  return get_or_create<HeapAggregatingState<IN, ACC, OUT>>(
      b, d.name, [&] { return std::make_unique<HeapAggregatingState<IN, ACC, OUT>>(&b, d); });
}

//! The in-memory backend: hash tables per state per key group.
class HeapKeyedStateBackend final : public KeyedStateBackend {
 public:
  using KeyedStateBackend::KeyedStateBackend;
  std::string_view kind() const override { return "hashmap"; }
};

}  // namespace weir::state
