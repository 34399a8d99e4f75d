#pragma once
// DataStream<T>: a stream of T being defined. Each transformation adds a node to the stream graph
// and returns the resulting stream; nothing runs until execute().
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "weir/api/environment.h"
#include "weir/api/operators/basic_operators.h"
#include "weir/api/operators/timestamps_and_watermarks.h"
#include "weir/api/process_function.h"
#include "weir/api/watermark_strategy.h"
#include "weir/connectors/collect_sink.h"
#include "weir/connectors/collection_source.h"
#include "weir/connectors/datagen_source.h"
#include "weir/connectors/file_sink.h"
#include "weir/connectors/print_sink.h"
#include "weir/functions/functions.h"
#include "weir/functions/source_operator.h"
#include "weir/runtime/type_info.h"

namespace weir {

template <typename T, typename K>
class KeyedStream;
template <typename T1, typename T2>
class ConnectedStreams;
template <typename T>
class BroadcastStream;
template <typename T1, typename T2>
class BroadcastConnectedStream;

namespace detail {
//! One producer feeding a stream: a node (or one of its side outputs) and how records are partitioned.
struct Upstream {
  int node = 0;
  runtime::PartitionerSpec partitioner;
  std::string side_tag;
  std::shared_ptr<runtime::TypeInfoBase> type;
};

//! Output type of a map-like callable or function class.
template <typename F, typename IN, typename = void>
struct MapResult {
  using type = std::decay_t<std::invoke_result_t<F&, const IN&>>;
};
template <typename F, typename IN>
struct MapResult<F, IN, std::void_t<typename F::Out>> {
  using type = typename F::Out;
};

//! R of the Collector<R>& a flat-map callable takes second: a lambda or function object whose call
//! operator is not a template, or a function pointer.
template <typename M>
struct CollectorParam {};
template <typename C, typename A, typename R>
struct CollectorParam<void (C::*)(A, Collector<R>&) const> {
  using type = R;
};
template <typename C, typename A, typename R>
struct CollectorParam<void (C::*)(A, Collector<R>&)> {
  using type = R;
};
template <typename A, typename R>
struct CollectorParam<void (*)(A, Collector<R>&)> {
  using type = R;
};
template <typename F, typename = void>
struct FlatMapResult : CollectorParam<std::decay_t<F>> {};
template <typename F>
struct FlatMapResult<F, std::void_t<decltype(&F::operator())>> : CollectorParam<decltype(&F::operator())> {};

//! Why a stream cannot be used: the environment that defined it was destroyed.
[[noreturn]] inline void environment_gone() {
  throw JobDefinitionError(
      "this stream's StreamExecutionEnvironment was destroyed: a stream refers to the environment that "
      "defined it, so keep the environment (the unique_ptr get_execution_environment() returns) in a "
      "variable while the job is defined and executed");
}
}  // namespace detail

//! A sink at the end of a stream; sets its name, uid and parallelism.
//! Setters called on a temporary (`stream.add_sink(f).name("out")`) return the sink by value, so that a
//! reference to the temporary cannot be kept by mistake; on a variable they return a reference to it.
class DataStreamSink {
 public:
  DataStreamSink(StreamExecutionEnvironment* env, int node)
      : env_(env), alive_(env->liveness()), node_(node) {}
  DataStreamSink& name(const std::string& n) & {
    graph_node().name = n;
    return *this;
  }
  DataStreamSink name(const std::string& n) && { return std::move(name(n)); }
  DataStreamSink& uid(const std::string& u) & {
    graph_node().uid = u;
    return *this;
  }
  DataStreamSink uid(const std::string& u) && { return std::move(uid(u)); }
  DataStreamSink& set_parallelism(int p) & {
    if (p < 1) throw JobDefinitionError("parallelism must be at least 1");
    graph_node().parallelism = p;
    return *this;
  }
  DataStreamSink set_parallelism(int p) && { return std::move(set_parallelism(p)); }

 private:
  graph::StreamNode& graph_node() {
    if (!*alive_) detail::environment_gone();
    return env_->stream_graph().node(node_);
  }
  StreamExecutionEnvironment* env_;
  std::shared_ptr<const bool> alive_;
  int node_;
};

template <typename T>
class DataStream {
 public:
  DataStream(StreamExecutionEnvironment* env, std::vector<detail::Upstream> ups)
      : env_(env), alive_(env->liveness()), ups_(std::move(ups)) {}
  DataStream(StreamExecutionEnvironment* env, int node)
      : env_(env), alive_(env->liveness()), ups_{{node, {}, {}, runtime::TypeInfo<T>::get()}} {}

  //! The environment that defined this stream; JobDefinitionError when it was destroyed meanwhile.
  StreamExecutionEnvironment* get_execution_environment() const {
    if (!*alive_) detail::environment_gone();
    return env_;
  }

  // ---- transformations ----
  template <typename F, typename R = typename detail::MapResult<F, T>::type>
  DataStream<R> map(F f, const std::string& name = "Map") {
    return transform<R>(name, [f] { return std::make_unique<ops::StreamMap<T, R, F>>(f); });
  }
  //! flat_map(f) where f(value, Collector<R>&) or f derives from FlatMapFunction<T, R>.
  template <typename R, typename F>
  DataStream<R> flat_map(F f, const std::string& name = "Flat Map") {
    return transform<R>(name, [f] { return std::make_unique<ops::StreamFlatMap<T, R, F>>(f); });
  }
  template <typename F>
  DataStream<typename F::Out> flat_map(F f, const std::string& name = "Flat Map") {
    return flat_map<typename F::Out, F>(std::move(f), name);
  }
  //! flat_map(f) with f(value, Collector<R>&) a lambda (not a generic one) or a function: R is read from
  //! f's second parameter, so no explicit type is needed.
  template <typename F, typename R = typename detail::FlatMapResult<F>::type>
  requires(!requires { typename F::Out; }) DataStream<R> flat_map(F f, const std::string& name = "Flat Map") {
    return flat_map<R, F>(std::move(f), name);
  }
  template <typename F>
  DataStream<T> filter(F f, const std::string& name = "Filter") {
    return transform<T>(name, [f] { return std::make_unique<ops::StreamFilter<T, F>>(f); });
  }
  //! process(f) with f deriving from ProcessFunction<T, OUT>.
  template <typename F>
  DataStream<typename F::Out> process(F f, const std::string& name = "Process") {
    using R = typename F::Out;
    return transform<R>(name, [f] { return std::make_unique<ops::ProcessOperator<T, R, F>>(f); });
  }
  //! Partitions by key: records with equal keys go to the same subtask (key groups).
  template <typename F, typename K = std::decay_t<std::invoke_result_t<F&, const T&>>>
  KeyedStream<T, K> key_by(F f);

  DataStream<T> union_(const std::vector<DataStream<T>>& others) const {
    auto ups = ups_;
    for (const auto& o : others) ups.insert(ups.end(), o.ups_.begin(), o.ups_.end());
    return DataStream<T>(env(), std::move(ups));
  }
  template <typename... More>
  DataStream<T> union_(const DataStream<T>& other, const More&... more) const {
    return union_(std::vector<DataStream<T>>{other, more...});
  }
  template <typename U>
  ConnectedStreams<T, U> connect(const DataStream<U>& other) const;
  template <typename U>
  BroadcastConnectedStream<T, U> connect(const BroadcastStream<U>& other) const;

  DataStream<T> assign_timestamps_and_watermarks(WatermarkStrategy<T> strategy,
                                                 const std::string& name = "Timestamps/Watermarks") {
    return transform<T>(
        name, [strategy] { return std::make_unique<ops::TimestampsAndWatermarksOperator<T>>(strategy); });
  }

  // ---- partitioning ----
  DataStream<T> forward() const { return with_partitioner(runtime::PartitionerKind::kForward); }
  DataStream<T> rebalance() const { return with_partitioner(runtime::PartitionerKind::kRebalance); }
  DataStream<T> rescale() const { return with_partitioner(runtime::PartitionerKind::kRescale); }
  DataStream<T> shuffle() const { return with_partitioner(runtime::PartitionerKind::kShuffle); }
  DataStream<T> broadcast() const { return with_partitioner(runtime::PartitionerKind::kBroadcast); }
  DataStream<T> global() const { return with_partitioner(runtime::PartitionerKind::kGlobal); }
  //! A broadcast stream for connect(): its records reach every subtask and update broadcast state.
  template <typename K, typename V>
  BroadcastStream<T> broadcast(const MapStateDescriptor<K, V>&) const;

  // ---- side outputs ----
  template <typename X>
  DataStream<X> get_side_output(const OutputTag<X>& tag) const {
    detail::Upstream u{single_node("get_side_output"), {}, tag.id, runtime::TypeInfo<X>::get()};
    return DataStream<X>(env(), {u});
  }

  // ---- properties of the operator that produced this stream ----
  DataStream<T>& name(const std::string& n) & {
    node().name = n;
    return *this;
  }
  DataStream<T>& uid(const std::string& u) & {
    node().uid = u;
    return *this;
  }
  DataStream<T>& set_parallelism(int p) & {
    if (p < 1) throw JobDefinitionError("parallelism must be at least 1, got " + std::to_string(p));
    node().parallelism = p;
    return *this;
  }
  DataStream<T>& set_max_parallelism(int p) & {
    if (p < 1 || p > 32768)
      throw JobDefinitionError("max parallelism must be in 1..32768, got " + std::to_string(p));
    node().max_parallelism = p;
    return *this;
  }
  DataStream<T>& disable_chaining() & {
    node().chaining = graph::ChainingStrategy::kNever;
    return *this;
  }
  DataStream<T>& start_new_chain() & {
    node().chaining = graph::ChainingStrategy::kHead;
    return *this;
  }
  // On a temporary (`stream.map(f).name("m")`) the setters return the stream by value, so that no
  // reference to the temporary can be kept.
  DataStream<T> name(const std::string& n) && { return std::move(name(n)); }
  DataStream<T> uid(const std::string& u) && { return std::move(uid(u)); }
  DataStream<T> set_parallelism(int p) && { return std::move(set_parallelism(p)); }
  DataStream<T> set_max_parallelism(int p) && { return std::move(set_max_parallelism(p)); }
  DataStream<T> disable_chaining() && { return std::move(disable_chaining()); }
  DataStream<T> start_new_chain() && { return std::move(start_new_chain()); }

  // ---- sinks ----
  template <typename F>
  DataStreamSink add_sink(F f, const std::string& name = "Sink") {
    auto s = transform<T>(name, [f] { return std::make_unique<ops::SinkOperator<T, F>>(f); });
    return DataStreamSink(env(), s.ups_[0].node);
  }
  DataStreamSink print(const std::string& identifier = {}) {
    return add_sink(connectors::PrintSink<T>(identifier), "Print to Std. Out");
  }
  //! Writes records as text lines into part files in directory `dir`, named as `names` say.
  DataStreamSink write_as_text(const std::string& dir, connectors::PartFileNames names = {}) {
    return add_sink(connectors::FileSink<T>(dir, std::move(names)), "File Sink: " + dir);
  }
  //! Collects every record into memory; read the result after the job ends.
  std::shared_ptr<CollectedResults<T>> collect(const std::string& name = "Collect Sink") {
    auto r = std::make_shared<CollectedResults<T>>();
    add_sink(connectors::CollectSink<T>(r), name);
    return r;
  }
  //! Runs the job and returns every record of this stream.
  std::vector<T> execute_and_collect(const std::string& job_name = "Weir Streaming Job") {
    auto r = collect();
    env()->execute(job_name);
    return r->values();
  }

  // ---- internals used by the other stream classes ----
  template <typename R>
  DataStream<R> transform(const std::string& name, graph::OperatorFactory factory, int input_count = 1) {
    auto& n = env()->stream_graph().add_node(name, std::move(factory), runtime::TypeInfo<R>::get(), false);
    connect_to(n.id, 0);
    return DataStream<R>(env(), n.id);
  }
  void connect_to(int target, int input) const {
    for (const auto& u : ups_) {
      graph::StreamEdge e;
      e.source = u.node;
      e.target = target;
      e.target_input = input;
      e.partitioner = u.partitioner;
      e.side_tag = u.side_tag;
      e.type = u.type;
      env()->stream_graph().add_edge(std::move(e));
    }
  }
  const std::vector<detail::Upstream>& upstreams() const { return ups_; }
  DataStream<T> with_partitioner(runtime::PartitionerKind k,
                                 std::shared_ptr<void> key_bytes = nullptr) const {
    auto ups = ups_;
    for (auto& u : ups) {
      u.partitioner.kind = k;
      u.partitioner.explicit_choice = true;
      u.partitioner.key_bytes = key_bytes;
    }
    return DataStream<T>(env(), std::move(ups));
  }

 private:
  int single_node(const char* what) const {
    if (ups_.size() != 1 || !ups_[0].side_tag.empty())
      throw JobDefinitionError(std::string(what) +
                               " needs a stream produced by one operator (not a union or side output)");
    return ups_[0].node;
  }
  graph::StreamNode& node() { return env()->stream_graph().node(single_node("setting operator properties")); }
  StreamExecutionEnvironment* env() const { return get_execution_environment(); }

  StreamExecutionEnvironment* env_;
  std::shared_ptr<const bool> alive_;  // false once env_ was destroyed
  std::vector<detail::Upstream> ups_;
};

// ---- environment sources (templates) ----
template <typename T>
DataStream<T> StreamExecutionEnvironment::from_source(SourceReaderFactory<T> factory, const std::string& name,
                                                      int parallelism) {
  auto& n = graph_->add_node(
      name, [factory] { return std::make_unique<ops::SourceOperator<T>>(factory()); },
      runtime::TypeInfo<T>::get(), true);
  n.parallelism = parallelism;
  return DataStream<T>(this, n.id);
}

template <typename T>
DataStream<T> StreamExecutionEnvironment::from_collection(std::vector<T> data, const std::string& name) {
  auto shared = std::make_shared<const std::vector<T>>(std::move(data));
  // Like Flink, a collection source is not parallel: order is kept.
  return from_source<T>([shared] { return std::make_unique<connectors::CollectionReader<T>>(shared); }, name,
                        1);
}

template <typename T>
DataStream<T> StreamExecutionEnvironment::from_generator(std::function<T(int64_t)> gen, int64_t count,
                                                         double rate_per_second, const std::string& name) {
  return from_source<T>(
      [gen, count, rate_per_second] {
        return std::make_unique<connectors::DataGenReader<T>>(gen, count, rate_per_second);
      },
      name);
}

}  // namespace weir
