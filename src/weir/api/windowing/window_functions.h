#pragma once
// The window operator's functions: what turns a fired window's contents into results. They compose
// with the contents kinds of window_contents.h:
//   reduce(f)            ReducingContents + EmitValue
//   reduce(f, pwf)       ReducingContents + ProcessValue
//   aggregate(a[, pwf])  AggregatingContents + EmitValue / ProcessValue
//   process(pwf)         ListContents + ProcessList
//   with an evictor      ListContents(keep) + ReduceList / AggregateList (+ EmitValue / ProcessValue)
// Each offers open, close, apply(key, ctx, contents, out) and clear(ctx).
#include <vector>

#include "weir/api/windowing/process_window_function.h"
#include "weir/api/windowing/window_contents.h"

namespace weir::windowing {

template <typename V>
struct EmitValue {
  using Out = V;
  void open(RuntimeContext&) {}
  void close() {}
  template <typename K, typename W>
  void apply(const K&, WindowContext<W>&, const V& v, Collector<V>& out) {
    out.collect(v);
  }
  template <typename W>
  void clear(WindowContext<W>&) {}
};

//! Hands one pre-aggregated value to a ProcessWindowFunction.
template <typename PWF>
struct ProcessValue {
  using Out = typename PWF::Out;
  PWF f;
  std::vector<typename PWF::In> one;
  void open(RuntimeContext& rc) { f.open(rc); }
  void close() { f.close(); }
  template <typename K, typename W>
  void apply(const K& key, WindowContext<W>& ctx, const typename PWF::In& v, Collector<Out>& out) {
    one.assign(1, v);
    f.process(key, ctx, one, out);
  }
  template <typename W>
  void clear(WindowContext<W>& ctx) {
    f.clear(ctx);
  }
};

template <typename PWF>
struct ProcessList {
  using Out = typename PWF::Out;
  PWF f;
  void open(RuntimeContext& rc) { f.open(rc); }
  void close() { f.close(); }
  template <typename K, typename W>
  void apply(const K& key, WindowContext<W>& ctx, const std::vector<typename PWF::In>& vs,
             Collector<Out>& out) {
    f.process(key, ctx, vs, out);
  }
  template <typename W>
  void clear(WindowContext<W>& ctx) {
    f.clear(ctx);
  }
};

//! Reduces all elements at fire time (evicting windows), then hands the result on.
template <typename T, typename F, typename Then>
struct ReduceList {
  using Out = typename Then::Out;
  F f;
  Then then;
  void open(RuntimeContext& rc) {
    open_if_rich(f, rc);
    then.open(rc);
  }
  void close() {
    close_if_rich(f);
    then.close();
  }
  template <typename K, typename W>
  void apply(const K& key, WindowContext<W>& ctx, const std::vector<T>& vs, Collector<Out>& out) {
    T acc = vs.front();
    for (size_t i = 1; i < vs.size(); ++i) acc = call_reduce<T>(f, acc, vs[i]);
    then.apply(key, ctx, acc, out);
  }
  template <typename W>
  void clear(WindowContext<W>& ctx) {
    then.clear(ctx);
  }
};

//! Aggregates all elements at fire time (evicting windows), then hands the result on.
template <typename Agg, typename Then>
struct AggregateList {
  using Out = typename Then::Out;
  Agg agg;
  Then then;
  void open(RuntimeContext& rc) { then.open(rc); }
  void close() { then.close(); }
  template <typename K, typename W>
  void apply(const K& key, WindowContext<W>& ctx, const std::vector<typename Agg::In>& vs,
             Collector<Out>& out) {
    auto acc = agg.create_accumulator();
    for (const auto& v : vs) acc = agg.add(v, std::move(acc));
    then.apply(key, ctx, agg.get_result(acc), out);
  }
  template <typename W>
  void clear(WindowContext<W>& ctx) {
    then.clear(ctx);
  }
};

}  // namespace weir::windowing
