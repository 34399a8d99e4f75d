#pragma once
// KeyedStream<T, K>: a stream partitioned by key. Keyed state and timers are available downstream.
#include <functional>
#include <memory>

#include "weir/api/data_stream.h"
#include "weir/api/operators/keyed_operators.h"

namespace weir {

template <typename T, typename K, typename W>
class WindowedStream;

template <typename T, typename K>
class KeyedStream {
 public:
  using KeyFn = std::function<K(const T&)>;
  KeyedStream(DataStream<T> partitioned, KeyFn key_fn)
      : stream_(std::move(partitioned)), key_fn_(std::move(key_fn)) {}

  //! process(f) with f deriving from KeyedProcessFunction<K, T, OUT>.
  template <typename F>
  DataStream<typename F::Out> process(F f, const std::string& name = "KeyedProcess") {
    using R = typename F::Out;
    auto kf = key_fn_;
    return stream_.template transform<R>(
        name, [f, kf] { return std::make_unique<ops::KeyedProcessOperator<K, T, R, F>>(f, kf); });
  }
  //! Rolling reduce: emits the key's reduced value after each record.
  template <typename F>
  DataStream<T> reduce(F f, const std::string& name = "Keyed Reduce") {
    auto kf = key_fn_;
    return stream_.template transform<T>(
        name, [f, kf] { return std::make_unique<ops::StreamGroupedReduce<K, T, F>>(f, kf); });
  }

  // Field aggregations over a member (structs) or a numeric record, like Flink's sum/min/max/min_by/max_by.
  // `U = T` keeps the member pointer dependent, so streams of scalars (where `M T::*` is ill-formed)
  // can still be keyed; these overloads then simply do not exist.
  template <typename M, typename U = T>
  DataStream<T> sum(M U::*field) {
    return reduce(
        [field](const T& a, const T& b) {
          T r = a;
          r.*field = a.*field + b.*field;
          return r;
        },
        "Sum");
  }
  template <typename M, typename U = T>
  DataStream<T> min(M U::*field) {
    return reduce(
        [field](const T& a, const T& b) {
          T r = a;
          if (b.*field < r.*field) r.*field = b.*field;
          return r;
        },
        "Min");
  }
  template <typename M, typename U = T>
  DataStream<T> max(M U::*field) {
    return reduce(
        [field](const T& a, const T& b) {
          T r = a;
          if (b.*field > r.*field) r.*field = b.*field;
          return r;
        },
        "Max");
  }
  //! The whole record with the smallest field (the first one on ties).
  template <typename M, typename U = T>
  DataStream<T> min_by(M U::*field) {
    return reduce([field](const T& a, const T& b) { return b.*field < a.*field ? b : a; }, "MinBy");
  }
  template <typename M, typename U = T>
  DataStream<T> max_by(M U::*field) {
    return reduce([field](const T& a, const T& b) { return b.*field > a.*field ? b : a; }, "MaxBy");
  }
  // Tuple-position aggregations: sum<1>() on std::tuple / std::pair records.
  template <size_t I>
  DataStream<T> sum() {
    return reduce(
        [](const T& a, const T& b) {
          T r = a;
          std::get<I>(r) = std::get<I>(a) + std::get<I>(b);
          return r;
        },
        "Sum");
  }
  template <size_t I>
  DataStream<T> min() {
    return reduce(
        [](const T& a, const T& b) {
          T r = a;
          if (std::get<I>(b) < std::get<I>(r)) std::get<I>(r) = std::get<I>(b);
          return r;
        },
        "Min");
  }
  template <size_t I>
  DataStream<T> max() {
    return reduce(
        [](const T& a, const T& b) {
          T r = a;
          if (std::get<I>(b) > std::get<I>(r)) std::get<I>(r) = std::get<I>(b);
          return r;
        },
        "Max");
  }

  template <typename Assigner>
  WindowedStream<T, K, typename Assigner::Window> window(Assigner assigner);
  //! Count windows: every `size` records of a key (sliding by `slide` when given).
  auto count_window(int64_t size, int64_t slide = 0);

  //! connect() of two keyed streams: co-process with per-key state and timers.
  template <typename U>
  auto connect(const KeyedStream<U, K>& other) const;

  DataStream<T>& stream() { return stream_; }
  const DataStream<T>& stream() const { return stream_; }
  const KeyFn& key_selector() const { return key_fn_; }

 private:
  DataStream<T> stream_;
  KeyFn key_fn_;
};

template <typename T>
template <typename F, typename K>
KeyedStream<T, K> DataStream<T>::key_by(F f) {
  std::function<K(const T&)> kf = f;
  using KeyBytes = std::function<void(const T&, DataOutput&)>;
  auto key_bytes =
      std::make_shared<KeyBytes>([kf](const T& v, DataOutput& out) { Serializer<K>::write(out, kf(v)); });
  return KeyedStream<T, K>(with_partitioner(runtime::PartitionerKind::kHash, key_bytes), kf);
}

}  // namespace weir
