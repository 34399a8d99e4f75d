#pragma once
// Descriptors name a state and carry what the backend needs to build it (reduce or aggregate
// functions, TTL). Names must be unique per operator.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "weir/state/state_ttl_config.h"

namespace weir {

//! Incremental aggregation: create an accumulator, add inputs to it, read a result, merge two.
template <typename IN, typename ACC, typename OUT>
class AggregateFunction {
 public:
  using In = IN;
  using Acc = ACC;
  using Out = OUT;
  virtual ~AggregateFunction() = default;
  virtual ACC create_accumulator() = 0;
  virtual ACC add(const IN& value, ACC acc) = 0;
  virtual OUT get_result(const ACC& acc) = 0;
  virtual ACC merge(ACC a, ACC b) = 0;
};

struct StateDescriptorBase {
  std::string name;
  std::optional<StateTtlConfig> ttl;
  void enable_time_to_live(const StateTtlConfig& c) { ttl = c; }
};

template <typename V>
struct ValueStateDescriptor : StateDescriptorBase {
  explicit ValueStateDescriptor(std::string n) { name = std::move(n); }
};

template <typename V>
struct ListStateDescriptor : StateDescriptorBase {
  explicit ListStateDescriptor(std::string n) { name = std::move(n); }
};

template <typename UK, typename UV>
struct MapStateDescriptor : StateDescriptorBase {
  explicit MapStateDescriptor(std::string n) { name = std::move(n); }
};

template <typename V>
struct ReducingStateDescriptor : StateDescriptorBase {
  ReducingStateDescriptor(std::string n, std::function<V(const V&, const V&)> f) : reduce(std::move(f)) {
    name = std::move(n);
  }
  std::function<V(const V&, const V&)> reduce;
};

template <typename IN, typename ACC, typename OUT>
struct AggregatingStateDescriptor : StateDescriptorBase {
  AggregatingStateDescriptor(std::string n, std::shared_ptr<AggregateFunction<IN, ACC, OUT>> f)
      : agg(std::move(f)) {
    name = std::move(n);
  }
  std::shared_ptr<AggregateFunction<IN, ACC, OUT>> agg;
};

}  // namespace weir
