#pragma once
// Creates (or finds) a named state in a keyed backend. The single place that knows which backend
// implements which state type. Callers get the internal interfaces (internal_state.h), never a
// backend's classes, so every operator runs on every backend.
#include <memory>
#include <string>

#include "weir/common/error.h"
#include "weir/state/heap/heap_keyed_state_backend.h"
#include "weir/state/heap/heap_states.h"
#include "weir/state/internal_state.h"
#include "weir/state/keyed_state_backend.h"
#include "weir/state/rocksdb/rocksdb_states.h"

namespace weir::state {

//! The registered state `name` as an S, or a new one from make_heap / make_rocks by backend kind.
template <typename S, typename MakeHeap, typename MakeRocks>
S* get_or_create(KeyedStateBackend& backend, const std::string& name, MakeHeap make_heap,
                 MakeRocks make_rocks) {
  if (auto* existing = backend.find(name)) {
    auto* typed = dynamic_cast<S*>(existing);
    if (!typed) throw JobDefinitionError("state '" + name + "' is already registered with another type");
    return typed;
  }
  std::unique_ptr<S> s;
  if (backend.kind() == "hashmap") {
    s = make_heap();
  } else if (backend.kind() == "rocksdb") {
    s = make_rocks(static_cast<RocksDBKeyedStateBackend*>(&backend));
  } else {
    throw ConfigError("state backend '" + std::string(backend.kind()) + "' is not supported");
  }
  S* raw = s.get();
  backend.add(name, std::move(s));
  return raw;
}

template <typename V>
InternalValueState<V>* value_state(KeyedStateBackend& b, const ValueStateDescriptor<V>& d) {
  return get_or_create<InternalValueState<V>>(
      b, d.name, [&] { return std::make_unique<HeapValueState<V>>(&b, d); },
      [&](RocksDBKeyedStateBackend* r) { return std::make_unique<RocksDBValueState<V>>(r, d); });
}
template <typename V>
InternalListState<V>* list_state(KeyedStateBackend& b, const ListStateDescriptor<V>& d) {
  return get_or_create<InternalListState<V>>(
      b, d.name, [&] { return std::make_unique<HeapListState<V>>(&b, d); },
      [&](RocksDBKeyedStateBackend* r) { return std::make_unique<RocksDBListState<V>>(r, d); });
}
template <typename UK, typename UV>
InternalMapState<UK, UV>* map_state(KeyedStateBackend& b, const MapStateDescriptor<UK, UV>& d) {
  return get_or_create<InternalMapState<UK, UV>>(
      b, d.name, [&] { return std::make_unique<HeapMapState<UK, UV>>(&b, d); },
      [&](RocksDBKeyedStateBackend* r) { return std::make_unique<RocksDBMapState<UK, UV>>(r, d); });
}
template <typename V>
InternalReducingState<V>* reducing_state(KeyedStateBackend& b, const ReducingStateDescriptor<V>& d) {
  return get_or_create<InternalReducingState<V>>(
      b, d.name, [&] { return std::make_unique<HeapReducingState<V>>(&b, d); },
      [&](RocksDBKeyedStateBackend* r) { return std::make_unique<RocksDBReducingState<V>>(r, d); });
}
template <typename IN, typename ACC, typename OUT>
InternalAggregatingState<IN, ACC, OUT>* aggregating_state(KeyedStateBackend& b,
                                                          const AggregatingStateDescriptor<IN, ACC, OUT>& d) {
  return get_or_create<InternalAggregatingState<IN, ACC, OUT>>(
      b, d.name, [&] { return std::make_unique<HeapAggregatingState<IN, ACC, OUT>>(&b, d); },
      [&](RocksDBKeyedStateBackend* r) {
        return std::make_unique<RocksDBAggregatingState<IN, ACC, OUT>>(r, d);
      });
}

}  // namespace weir::state
