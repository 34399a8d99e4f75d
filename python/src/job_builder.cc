#include "job_builder.h"

#include <pybind11/stl.h>

#include "py_gil.h"
#include "py_operators.h"
#include "py_windows.h"
#include "weir/api/job_plan.h"
#include "weir/api/windowed_stream.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/common/error.h"

namespace weir::python {
namespace {

OutputSpec make_output_spec(py::handle main, const py::dict& sides) {
  OutputSpec s;
  s.main = TypeSpec::from_python(main);
  for (auto [tag, spec] : sides) s.sides[tag.cast<std::string>()] = TypeSpec::from_python(spec);
  return s;
}

std::optional<TypeSpecPtr> optional_spec(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return TypeSpec::from_python(h);
}

//! A Python callable usable from any task thread: takes the GIL for each call.
struct PyTimestampAssigner {
  PyRef fn;
  Timestamp operator()(const PyValue& v, Timestamp previous) const {
    TaskGil gil;
    return call_python("Timestamps/Watermarks", [&] {
      py::object prev = previous == kNoTimestamp ? py::object(py::none()) : py::object(py::int_(previous));
      py::object r = fn.get()(decode_string(v.bytes), prev);
      if (r.is_none()) return kNoTimestamp;
      return r.cast<Timestamp>();
    });
  }
};

struct PyGapExtractor {
  PyRef fn;
  int64_t operator()(const PyKeyed& v) const {
    TaskGil gil;
    return call_python("Session Windows", [&] { return fn.get()(decode_string(v.value)).cast<int64_t>(); });
  }
};

}  // namespace

JobBuilder::JobBuilder(const py::dict& config) {
  Configuration c;
  for (auto [k, v] : config) c.set(k.cast<std::string>(), v.cast<std::string>());
  env_ = StreamExecutionEnvironment::get_execution_environment(c);
}

JobBuilder::Stream& JobBuilder::stream(int h) {
  if (h < 0 || static_cast<size_t>(h) >= streams_.size())
    throw py::index_error("no stream with handle " + std::to_string(h));
  return streams_[h];
}

ValueStream& JobBuilder::values(int h, const char* what) {
  auto* s = std::get_if<ValueStream>(&stream(h));
  if (!s) throw py::type_error(std::string(what) + " needs a non-keyed stream");
  return *s;
}

PyKeyedStream& JobBuilder::keyed(int h, const char* what) {
  auto* s = std::get_if<PyKeyedStream>(&stream(h));
  if (!s) throw py::type_error(std::string(what) + " needs a keyed stream (key_by() first)");
  return *s;
}

int JobBuilder::from_collection(const py::list& values, py::handle type_spec, const std::string& name) {
  auto spec = TypeSpec::from_python(type_spec);
  std::vector<PyValue> encoded;
  encoded.reserve(values.size());
  for (auto v : values) encoded.push_back(PyValue{encode_to_string(v, spec.get())});
  return add(env_->from_collection(std::move(encoded), name));
}

int JobBuilder::from_sequence(int64_t start, int64_t end, const std::string& name, double rate_per_second) {
  if (end < start) throw py::value_error("NumberSequenceSource: 'end' must not be below 'start'");
  if (rate_per_second < 0) throw py::value_error("from_sequence: the rate must not be negative");
  return add(env_->from_generator<PyValue>([start](int64_t i) { return PyValue{encode_int64(start + i)}; },
                                           end - start + 1, rate_per_second, name));
}

int JobBuilder::read_text_file(const std::string& path, const std::string& name) {
  auto lines = env_->read_text_file(path);
  auto& n = env_->stream_graph().node(lines.upstreams()[0].node);
  n.name = name;
  return add(lines.map([](const std::string& l) { return PyValue{encode_utf8(l)}; }, "Lines"));
}

int JobBuilder::chain(int in, py::object spec, py::handle out_spec, const py::dict& side_specs,
                      py::handle key_spec, const std::string& name) {
  auto& s = values(in, "map/flat_map/filter/process/key_by");
  PyRef ref(std::move(spec));
  OutputSpec out = make_output_spec(out_spec, side_specs);
  auto key = optional_spec(key_spec);
  if (key) {
    return add(s.transform<PyKeyed>(
        name, [ref, out, key] { return std::make_unique<PyChainOperator>(ref, out, key); }));
  }
  return add(s.transform<PyValue>(
      name, [ref, out] { return std::make_unique<PyChainOperator>(ref, out, std::nullopt); }));
}

int JobBuilder::key_by(int h) {
  auto* s = std::get_if<KeyedRecordStream>(&stream(h));
  if (!s) throw py::type_error("internal: key_by needs the records of a key selector");
  return add(s->key_by([](const PyKeyed& r) -> std::string { return r.key; }));
}

int JobBuilder::keyed_values(int h) {
  auto& ks = keyed(h, "keyed_values");
  return add(ks.stream().map([](const PyKeyed& k) { return PyValue{k.value}; }, "Keyed Values"));
}

int JobBuilder::keyed_process(int h, py::object spec, py::handle out_spec, const py::dict& side_specs,
                              const std::string& name) {
  auto& ks = keyed(h, "process with a KeyedProcessFunction");
  PyRef ref(std::move(spec));
  OutputSpec out = make_output_spec(out_spec, side_specs);
  return add(ks.stream().transform<PyValue>(name, [ref, out] {
    return std::make_unique<PyKeyedOperator>(ref, out, PyKeyedOperator::Mode::kProcess);
  }));
}

int JobBuilder::keyed_reduce(int h, py::object spec, py::handle out_spec, const std::string& name) {
  auto& ks = keyed(h, "reduce");
  PyRef ref(std::move(spec));
  OutputSpec out = make_output_spec(out_spec, py::dict());
  return add(ks.stream().transform<PyValue>(name, [ref, out] {
    return std::make_unique<PyKeyedOperator>(ref, out, PyKeyedOperator::Mode::kReduce);
  }));
}

int JobBuilder::two_input(int a, int b, const std::string& mode, py::object spec, py::handle out_spec,
                          const py::dict& side_specs, const std::string& name) {
  PyRef ref(std::move(spec));
  OutputSpec out = make_output_spec(out_spec, side_specs);
  bool broadcast = mode == "broadcast" || mode == "keyed_broadcast";
  auto& graph = env_->stream_graph();
  auto connect = [&](auto& first, auto& second, graph::OperatorFactory f) {
    auto& n = graph.add_node(name, std::move(f), runtime::TypeInfo<PyValue>::get(), false);
    first.connect_to(n.id, 0);
    second.connect_to(n.id, 1);
    return add(ValueStream(env_.get(), n.id));
  };
  if (mode == "plain" || mode == "broadcast") {
    auto& s1 = values(a, "connect");
    auto& s2 = values(b, "connect");
    ValueStream second = broadcast ? s2.broadcast() : s2;
    return connect(s1, second, [ref, out, broadcast] {
      return std::make_unique<PyTwoInputOperator<PyValue, PyValue>>(ref, out, broadcast);
    });
  }
  if (mode == "keyed") {
    auto& k1 = keyed(a, "connect of keyed streams");
    auto& k2 = keyed(b, "connect of keyed streams");
    return connect(k1.stream(), k2.stream(), [ref, out] {
      return std::make_unique<PyTwoInputOperator<PyKeyed, PyKeyed>>(ref, out, false);
    });
  }
  if (mode == "keyed_broadcast") {
    auto& k1 = keyed(a, "connect with a broadcast stream");
    auto second = values(b, "broadcast").broadcast();
    return connect(k1.stream(), second, [ref, out] {
      return std::make_unique<PyTwoInputOperator<PyKeyed, PyValue>>(ref, out, true);
    });
  }
  throw py::value_error("internal: unknown connect mode '" + mode + "'");
}

namespace {

template <typename WS>
struct WindowOf;
template <typename T, typename K, typename W>
struct WindowOf<WindowedStream<T, K, W>> {
  using type = W;
};

template <typename W>
struct WindowBuild {
  py::handle function;
  TypeSpecPtr in_spec;
  OutputSpec out;
  std::string name;

  template <typename WS>
  ValueStream apply(WS& ws) {
    auto fn = function.cast<py::tuple>();
    std::string kind = fn[0].cast<std::string>();
    if (kind == "reduce") {
      PyWindowReduce r{PyRef(py::reinterpret_borrow<py::object>(fn[1])), in_spec, name};
      if (fn[2].is_none()) {
        return ws.reduce(r, name).map([](const PyKeyed& k) { return PyValue{k.value}; }, "Window Value");
      }
      PyProcessWindowFunction<PyKeyed, W> pwf(PyRef(py::reinterpret_borrow<py::object>(fn[2])), out);
      return ws.reduce(r, pwf, name);
    }
    if (kind == "aggregate") {
      auto acc_spec = TypeSpec::from_python(fn[2]);
      bool with_pwf = !fn[4].is_none();
      // Without a window function the aggregate's result is the output: encode it with the output type.
      auto result_spec = with_pwf ? TypeSpec::from_python(fn[3]) : out.main;
      PyWindowAggregate agg(PyRef(py::reinterpret_borrow<py::object>(fn[1])), acc_spec, result_spec, name);
      if (!with_pwf) return ws.aggregate(agg, name);
      PyProcessWindowFunction<PyValue, W> pwf(PyRef(py::reinterpret_borrow<py::object>(fn[4])), out);
      return ws.aggregate(agg, pwf, name);
    }
    if (kind == "process") {
      PyProcessWindowFunction<PyKeyed, W> pwf(PyRef(py::reinterpret_borrow<py::object>(fn[1])), out);
      return ws.process(pwf, name);
    }
    throw py::value_error("internal: unknown window function kind '" + kind + "'");
  }
};

template <typename W, typename WS>
void apply_trigger(WS& ws, py::handle trigger) {
  if (trigger.is_none()) return;
  auto t = trigger.cast<py::tuple>();
  std::string kind = t[0].cast<std::string>();
  bool purging = false;
  if (kind == "purging") {
    purging = true;
    t = t[1].cast<py::tuple>();
    kind = t[0].cast<std::string>();
  }
  auto set = [&](auto tr) {
    if (purging)
      ws.trigger(PurgingTrigger::of(tr));
    else
      ws.trigger(tr);
  };
  if (kind == "count") return set(CountTrigger::of(t[1].cast<int64_t>()));
  if (kind == "event_time") return set(EventTimeTrigger::create());
  if (kind == "processing_time") return set(ProcessingTimeTrigger::create());
  if (kind == "continuous_event_time") return set(ContinuousEventTimeTrigger::of(t[1].cast<int64_t>()));
  throw py::value_error("trigger '" + kind + "' is not supported by Weir's Python API");
}

template <typename WS>
void apply_common(WS& ws, int64_t allowed_lateness, py::handle late_tag, int64_t evictor_count) {
  if (allowed_lateness > 0) ws.allowed_lateness(allowed_lateness);
  if (!late_tag.is_none()) ws.side_output_late_data(OutputTag<PyKeyed>(late_tag.cast<std::string>()));
  if (evictor_count > 0) ws.evictor(CountEvictor::of(evictor_count));
}

}  // namespace

int JobBuilder::window(int h, const py::tuple& assigner, py::handle trigger, int64_t allowed_lateness,
                       py::handle late_tag, int64_t evictor_count, const py::tuple& function,
                       py::handle out_spec, const std::string& name) {
  auto& ks = keyed(h, "window");
  std::string kind = assigner[0].cast<std::string>();
  auto in_spec = TypeSpec::from_python(assigner[5]);
  OutputSpec out = make_output_spec(out_spec, py::dict());
  auto a = [&](int i) { return assigner[i].cast<int64_t>(); };
  auto run = [&](auto ws) {
    using WS = decltype(ws);
    using W = typename WindowOf<WS>::type;
    apply_common(ws, allowed_lateness, late_tag, evictor_count);
    apply_trigger<W>(ws, trigger);
    return add(WindowBuild<W>{function, in_spec, out, name}.apply(ws));
  };
  if (kind == "tumbling_event") return run(ks.window(TumblingEventTimeWindows::of(a(1), a(3))));
  if (kind == "tumbling_processing") return run(ks.window(TumblingProcessingTimeWindows::of(a(1), a(3))));
  if (kind == "sliding_event") return run(ks.window(SlidingEventTimeWindows::of(a(1), a(2), a(3))));
  if (kind == "sliding_processing") return run(ks.window(SlidingProcessingTimeWindows::of(a(1), a(2), a(3))));
  if (kind == "session_event") return run(ks.window(EventTimeSessionWindows::with_gap(a(4))));
  if (kind == "session_processing") return run(ks.window(ProcessingTimeSessionWindows::with_gap(a(4))));
  if (kind == "dynamic_session_event" || kind == "dynamic_session_processing") {
    PyGapExtractor gap{PyRef(py::reinterpret_borrow<py::object>(assigner[4]))};
    if (kind == "dynamic_session_event")
      return run(ks.window(EventTimeSessionWindows::with_dynamic_gap(gap)));
    return run(ks.window(ProcessingTimeSessionWindows::with_dynamic_gap(gap)));
  }
  if (kind == "count") return run(ks.count_window(a(1), a(2)));
  if (kind == "global") return run(ks.window(GlobalWindows::create()));
  throw py::value_error("window assigner '" + kind + "' is not supported by Weir's Python API");
}

WatermarkStrategy<PyValue> watermark_strategy(const py::tuple& strategy, py::object assigner) {
  std::string kind = strategy[0].cast<std::string>();
  WatermarkStrategy<PyValue> ws;
  if (kind == "monotonous")
    ws = WatermarkStrategy<PyValue>::for_monotonous_timestamps();
  else if (kind == "bounded")
    ws = WatermarkStrategy<PyValue>::for_bounded_out_of_orderness(strategy[1].cast<int64_t>());
  else if (kind == "none")
    ws = WatermarkStrategy<PyValue>::no_watermarks();
  else
    throw py::value_error("internal: unknown watermark strategy '" + kind + "'");
  int64_t idle = strategy[2].cast<int64_t>();
  if (idle > 0) ws = ws.with_idleness(idle);
  if (!assigner.is_none()) ws = ws.with_timestamp_assigner(PyTimestampAssigner{PyRef(std::move(assigner))});
  return ws;
}

int JobBuilder::timestamps(int in, const py::tuple& strategy, py::object assigner, const std::string& name) {
  auto& s = values(in, "assign_timestamps_and_watermarks");
  return add(s.assign_timestamps_and_watermarks(watermark_strategy(strategy, std::move(assigner)), name));
}

int JobBuilder::side_output(int in, const std::string& tag, bool late_data) {
  auto& st = stream(in);
  if (auto* v = std::get_if<ValueStream>(&st)) {
    // Late elements of a window are records of its keyed input: strip their keys.
    if (late_data)
      return add(v->get_side_output(OutputTag<PyKeyed>(tag))
                     .map([](const PyKeyed& k) { return PyValue{k.value}; }, "Late Data"));
    return add(v->get_side_output(OutputTag<PyValue>(tag)));
  }
  throw py::type_error("get_side_output needs the result of a process function or window");
}

int JobBuilder::partition(int in, const std::string& kind) {
  auto& s = values(in, kind.c_str());
  if (kind == "shuffle") return add(s.shuffle());
  if (kind == "rebalance") return add(s.rebalance());
  if (kind == "rescale") return add(s.rescale());
  if (kind == "broadcast") return add(s.broadcast());
  if (kind == "forward") return add(s.forward());
  if (kind == "global") return add(s.global());
  throw py::value_error("unknown partitioning '" + kind + "'");
}

int JobBuilder::union_of(const std::vector<int>& ins) {
  if (ins.empty()) throw py::value_error("union of no streams");
  std::vector<ValueStream> rest;
  for (size_t i = 1; i < ins.size(); ++i) rest.push_back(values(ins[i], "union"));
  return add(values(ins[0], "union").union_(rest));
}

graph::StreamNode& JobBuilder::node_of(int h) {
  auto& st = stream(h);
  const std::vector<detail::Upstream>* ups = nullptr;
  std::visit(
      [&](auto& s) {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, PyKeyedStream>)
          ups = &s.stream().upstreams();
        else
          ups = &s.upstreams();
      },
      st);
  if (ups->size() != 1 || !(*ups)[0].side_tag.empty())
    throw py::type_error(
        "this property can only be set on the result of one operator (not a union or side output)");
  return env_->stream_graph().node((*ups)[0].node);
}

void JobBuilder::set_property(int h, const std::string& key, py::handle value) {
  auto& n = node_of(h);
  if (key == "name") {
    n.name = value.cast<std::string>();
  } else if (key == "uid") {
    n.uid = value.cast<std::string>();
  } else if (key == "parallelism") {
    int p = value.cast<int>();
    if (p < 1) throw py::value_error("parallelism must be at least 1, got " + std::to_string(p));
    n.parallelism = p;
  } else if (key == "max_parallelism") {
    int p = value.cast<int>();
    if (p < 1 || p > 32768)
      throw py::value_error("max parallelism must be in 1..32768, got " + std::to_string(p));
    n.max_parallelism = p;
  } else if (key == "chaining") {
    std::string c = value.cast<std::string>();
    n.chaining = c == "never" ? graph::ChainingStrategy::kNever : graph::ChainingStrategy::kHead;
  } else {
    throw py::value_error("internal: unknown operator property '" + key + "'");
  }
}

namespace {
struct CollectHandle {
  std::shared_ptr<CollectedResults<PyValue>> results;
  py::list values() const {
    auto vs = results->values();
    py::list out(vs.size());
    for (size_t i = 0; i < vs.size(); ++i)
      PyList_SET_ITEM(out.ptr(), i, decode_string(vs[i].bytes).release().ptr());
    return out;
  }
};

struct PyJobClient {
  explicit PyJobClient(std::shared_ptr<JobClient> client) : c(std::move(client)) {}
  PyJobClient(PyJobClient&&) = default;
  PyJobClient(const PyJobClient&) = default;
  PyJobClient& operator=(const PyJobClient&) = delete;
  //! The last reference to a job run by execute_async owns its MiniCluster, whose end cancels the job and
  //! waits for its tasks; tasks that call Python functions need the GIL for that, so it is released while
  //! the client goes (Python drops the object with the GIL held: a running job deadlocked here).
  ~PyJobClient() {
    if (!c) return;
    ReleaseGil release;
    c.reset();
  }

  std::shared_ptr<JobClient> c;
  std::string job_id() const { return c->get_job_id().to_string(); }
  std::string status() const { return cluster::to_string(c->get_job_status()); }
  void cancel() { c->cancel(); }
  py::dict result() {
    JobExecutionResult r;
    {
      ReleaseGil release;
      r = c->get_job_execution_result();
    }
    py::dict d;
    d["job_id"] = r.job_id.to_string();
    d["net_runtime"] = r.net_runtime_ms;
    return d;
  }
  std::string savepoint(const std::string& dir) {
    ReleaseGil release;
    return c->trigger_savepoint(dir).get();
  }
  std::string stop_with_savepoint(const std::string& dir, bool drain) {
    ReleaseGil release;
    return c->stop_with_savepoint(dir, drain).get();
  }
  std::string checkpoint() {
    ReleaseGil release;
    return c->trigger_checkpoint().get();
  }
  py::dict counters() const {
    const auto& jm = c->job_master();
    py::dict d;
    d["restarts"] = jm.attempt();
    return d;
  }
};
}  // namespace

int JobBuilder::python_sink(int in, py::object spec, const std::string& name) {
  auto& s = values(in, "add_sink");
  PyRef ref(std::move(spec));
  auto out = s.transform<PyValue>(name, [ref] { return std::make_unique<PySinkOperator>(ref); });
  sinks_.emplace_back(env_.get(), out.upstreams()[0].node);
  return static_cast<int>(sinks_.size()) - 1;
}

int JobBuilder::file_sink(int in, const std::string& dir, const std::string& name, const std::string& prefix,
                          const std::string& suffix) {
  connectors::PartFileNames names{prefix, suffix};
  try {
    names.validate();
  } catch (const ConfigError& e) {
    throw py::value_error(e.what());
  }
  auto lines = values(in, "FileSink").map([](const PyValue& v) { return decode_utf8(v.bytes); }, "Lines");
  sinks_.push_back(lines.write_as_text(dir, names));
  sinks_.back().name(name);
  return static_cast<int>(sinks_.size()) - 1;
}

int JobBuilder::discarding_sink(int in, const std::string& name) {
  sinks_.push_back(values(in, "DiscardingSink").add_sink([](const PyValue&) {}, name));
  return static_cast<int>(sinks_.size()) - 1;
}

py::object JobBuilder::collect(int in, const std::string& name) {
  auto r = values(in, "execute_and_collect").collect(name);
  return py::cast(CollectHandle{r});
}

void JobBuilder::set_sink_property(int sink, const std::string& key, py::handle value) {
  if (sink < 0 || static_cast<size_t>(sink) >= sinks_.size()) throw py::index_error("no such sink");
  auto& s = sinks_[sink];
  if (key == "name")
    s.name(value.cast<std::string>());
  else if (key == "uid")
    s.uid(value.cast<std::string>());
  else if (key == "parallelism")
    s.set_parallelism(value.cast<int>());
  else
    throw py::value_error("internal: unknown sink property '" + key + "'");
}

py::object JobBuilder::execute(const std::string& job_name) {
  JobExecutionResult r;
  {
    ReleaseGil release;
    r = env_->execute(job_name);
  }
  py::dict d;
  d["job_id"] = r.job_id.to_string();
  d["net_runtime"] = r.net_runtime_ms;
  return d;
}

py::object JobBuilder::execute_async(const std::string& job_name) {
  std::shared_ptr<JobClient> c;
  {
    ReleaseGil release;
    c = std::make_shared<JobClient>(env_->execute_async(job_name));
  }
  return py::cast(PyJobClient{c});
}

void JobBuilder::capture(const std::string& job_name) {
  if (!detail::planning()) throw py::value_error("internal: capture outside of planning");
  detail::record_planned_job(env_->get_job_graph(job_name), job_name);
}

std::string JobBuilder::plan_json(const std::string& job_name) {
  auto jg = env_->get_job_graph(job_name);
  std::string out = "[";
  for (size_t i = 0; i < jg->vertices.size(); ++i) {
    const auto& v = jg->vertices[i];
    if (i) out += ",";
    out += "{\"name\":\"" + v.name + "\",\"parallelism\":" + std::to_string(v.parallelism) + "}";
  }
  return out + "]";
}

void register_job_builder(py::module_& m) {
  m.def("kafka_create_topics", &kafka_create_topics, py::arg("bootstrap_servers"), py::arg("topics"),
        py::arg("timeout_s") = 30.0);
  m.def("kafka_create_partitions", &kafka_create_partitions, py::arg("bootstrap_servers"), py::arg("topic"),
        py::arg("total_partitions"), py::arg("timeout_s") = 30.0);
  m.def("kafka_read_topic", &kafka_read_topic, py::arg("bootstrap_servers"), py::arg("topic"),
        py::arg("timeout_s") = 30.0);
  m.def("kafka_partition_count", &kafka_partition_count, py::arg("bootstrap_servers"), py::arg("topic"),
        py::arg("timeout_s") = 30.0);
  py::class_<CollectHandle>(m, "CollectedResults").def("values", &CollectHandle::values);
  py::class_<PyJobClient>(m, "JobClient")
      .def("get_job_id", &PyJobClient::job_id)
      .def("get_job_status", &PyJobClient::status)
      .def("cancel", &PyJobClient::cancel)
      .def("get_job_execution_result", &PyJobClient::result)
      .def("trigger_savepoint", &PyJobClient::savepoint)
      .def("stop_with_savepoint", &PyJobClient::stop_with_savepoint)
      .def("trigger_checkpoint", &PyJobClient::checkpoint)
      .def("counters", &PyJobClient::counters);
  py::class_<JobBuilder>(m, "JobBuilder")
      .def(py::init<const py::dict&>())
      .def("from_collection", &JobBuilder::from_collection)
      .def("from_sequence", &JobBuilder::from_sequence)
      .def("read_text_file", &JobBuilder::read_text_file)
      .def("kafka_source", &JobBuilder::kafka_source)
      .def("chain", &JobBuilder::chain)
      .def("key_by", &JobBuilder::key_by)
      .def("keyed_process", &JobBuilder::keyed_process)
      .def("keyed_values", &JobBuilder::keyed_values)
      .def("keyed_reduce", &JobBuilder::keyed_reduce)
      .def("two_input", &JobBuilder::two_input)
      .def("window", &JobBuilder::window)
      .def("timestamps", &JobBuilder::timestamps)
      .def("side_output", &JobBuilder::side_output)
      .def("partition", &JobBuilder::partition)
      .def("union", &JobBuilder::union_of)
      .def("set_property", &JobBuilder::set_property)
      .def("python_sink", &JobBuilder::python_sink)
      .def("collect", &JobBuilder::collect)
      .def("discarding_sink", &JobBuilder::discarding_sink)
      .def("file_sink", &JobBuilder::file_sink)
      .def("kafka_sink", &JobBuilder::kafka_sink)
      .def("set_sink_property", &JobBuilder::set_sink_property)
      .def("execute", &JobBuilder::execute)
      .def("execute_async", &JobBuilder::execute_async)
      .def("plan_json", &JobBuilder::plan_json)
      .def("capture", &JobBuilder::capture);
}

}  // namespace weir::python
