#pragma once
// Two streams processed together: connect(), broadcast state.
#include "weir/api/keyed_stream.h"
#include "weir/api/operators/co_operators.h"

namespace weir {

struct NoKey {};
inline bool operator==(const NoKey&, const NoKey&) {
  return true;
}
template <>
struct Serializer<NoKey> {
  static void write(DataOutput&, const NoKey&) {}
  static NoKey read(DataInput&) { return {}; }
};

template <typename T1, typename T2, typename K = NoKey>
class ConnectedStreamsImpl {
 public:
  ConnectedStreamsImpl(DataStream<T1> a, DataStream<T2> b, std::function<K(const T1&)> k1 = {},
                       std::function<K(const T2&)> k2 = {})
      : a_(std::move(a)), b_(std::move(b)), k1_(k1), k2_(k2) {}

  template <typename F>
  DataStream<typename F::Out> map(F f, const std::string& name = "Co-Map") {
    using R = typename F::Out;
    return two_input<R>(name, [f] { return std::make_unique<ops::CoStreamMap<T1, T2, R, F>>(f); });
  }
  template <typename F>
  DataStream<typename F::Out> flat_map(F f, const std::string& name = "Co-Flat Map") {
    using R = typename F::Out;
    return two_input<R>(name, [f] { return std::make_unique<ops::CoStreamFlatMap<T1, T2, R, F>>(f); });
  }
  template <typename F>
  DataStream<typename F::Out> process(F f, const std::string& name = "Co-Process") {
    using R = typename F::Out;
    auto k1 = k1_;
    auto k2 = k2_;
    return two_input<R>(
        name, [f, k1, k2] { return std::make_unique<ops::CoProcessOperator<K, T1, T2, R, F>>(f, k1, k2); });
  }

 protected:
  template <typename R>
  DataStream<R> two_input(const std::string& name, graph::OperatorFactory factory) {
    auto* env = a_.get_execution_environment();
    auto& n = env->stream_graph().add_node(name, std::move(factory), runtime::TypeInfo<R>::get(), false);
    a_.connect_to(n.id, 0);
    b_.connect_to(n.id, 1);
    return DataStream<R>(env, n.id);
  }
  DataStream<T1> a_;
  DataStream<T2> b_;
  std::function<K(const T1&)> k1_;
  std::function<K(const T2&)> k2_;
};

template <typename T1, typename T2>
class ConnectedStreams : public ConnectedStreamsImpl<T1, T2, NoKey> {
 public:
  using ConnectedStreamsImpl<T1, T2, NoKey>::ConnectedStreamsImpl;
};

template <typename T>
template <typename U>
ConnectedStreams<T, U> DataStream<T>::connect(const DataStream<U>& other) const {
  return ConnectedStreams<T, U>(*this, other);
}

template <typename T, typename K>
template <typename U>
auto KeyedStream<T, K>::connect(const KeyedStream<U, K>& other) const {
  return ConnectedStreamsImpl<T, U, K>(stream_, other.stream(), key_fn_, other.key_selector());
}

template <typename T>
class BroadcastStream {
 public:
  explicit BroadcastStream(DataStream<T> s) : stream_(std::move(s)) {}
  const DataStream<T>& stream() const { return stream_; }

 private:
  DataStream<T> stream_;
};

template <typename T>
template <typename K, typename V>
BroadcastStream<T> DataStream<T>::broadcast(const MapStateDescriptor<K, V>&) const {
  return BroadcastStream<T>(broadcast());
}

template <typename T1, typename T2>
class BroadcastConnectedStream {
 public:
  BroadcastConnectedStream(DataStream<T1> a, DataStream<T2> b) : a_(std::move(a)), b_(std::move(b)) {}
  //! process(f) with f deriving from BroadcastProcessFunction<T1, T2, OUT>.
  template <typename F>
  DataStream<typename F::Out> process(F f, const std::string& name = "Broadcast Process") {
    using R = typename F::Out;
    auto* env = a_.get_execution_environment();
    auto& n = env->stream_graph().add_node(
        name, [f] { return std::make_unique<ops::BroadcastOperator<T1, T2, R, F>>(f); },
        runtime::TypeInfo<R>::get(), false);
    a_.connect_to(n.id, 0);
    b_.connect_to(n.id, 1);
    return DataStream<R>(env, n.id);
  }

 private:
  DataStream<T1> a_;
  DataStream<T2> b_;
};

template <typename T>
template <typename U>
BroadcastConnectedStream<T, U> DataStream<T>::connect(const BroadcastStream<U>& other) const {
  return BroadcastConnectedStream<T, U>(*this, other.stream());
}

}  // namespace weir
