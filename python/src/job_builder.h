#pragma once
// The engine side of the Python DataStream API. The Python layer (weir.datastream) records the program's
// transformations, fuses chains of Python functions, and at execute() replays them here: each call adds
// operators to a StreamExecutionEnvironment's graph and returns a handle on the resulting stream.
//
// Threading: the Python thread that defines and executes the job, GIL held (released while a job runs).
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "codec.h"
#include "py_records.h"
#include "weir/api/connected_streams.h"
#include "weir/api/data_stream.h"
#include "weir/api/keyed_stream.h"
#include "weir/api/watermark_strategy.h"

namespace weir::python {

namespace py = pybind11;

using ValueStream = DataStream<PyValue>;
using KeyedRecordStream = DataStream<PyKeyed>;
using PyKeyedStream = KeyedStream<PyKeyed, std::string>;

class JobBuilder {
 public:
  explicit JobBuilder(const py::dict& config);

  // Sources; each returns a stream handle.
  int from_collection(const py::list& values, py::handle type_spec, const std::string& name);
  int from_sequence(int64_t start, int64_t end, const std::string& name, double rate_per_second);
  int read_text_file(const std::string& path, const std::string& name);
  //! KafkaSource of UTF-8 strings (kafka_builders.cc); `config` as weir/datastream/connectors/kafka.py builds
  //! it.
  //! `strategy` (None or WatermarkStrategy._engine_spec()) and `assigner` apply per partition in the source.
  int kafka_source(const py::dict& config, const std::string& name, py::object strategy, py::object assigner);

  // Python operators.
  int chain(int in, py::object spec, py::handle out_spec, const py::dict& side_specs, py::handle key_spec,
            const std::string& name);
  int key_by(int keyed_records);
  //! The records of a keyed stream without their keys (still partitioned by key).
  int keyed_values(int keyed);
  int keyed_process(int keyed, py::object spec, py::handle out_spec, const py::dict& side_specs,
                    const std::string& name);
  int keyed_reduce(int keyed, py::object spec, py::handle out_spec, const std::string& name);
  int two_input(int a, int b, const std::string& mode, py::object spec, py::handle out_spec,
                const py::dict& side_specs, const std::string& name);
  int window(int keyed, const py::tuple& assigner, py::handle trigger, int64_t allowed_lateness,
             py::handle late_tag, int64_t evictor_count, const py::tuple& function, py::handle out_spec,
             const std::string& name);
  int timestamps(int in, const py::tuple& strategy, py::object assigner, const std::string& name);

  // Plumbing.
  int side_output(int in, const std::string& tag, bool late_data);
  int partition(int in, const std::string& kind);
  int union_of(const std::vector<int>& ins);
  void set_property(int h, const std::string& key, py::handle value);

  // Sinks.
  int python_sink(int in, py::object spec, const std::string& name);
  py::object collect(int in, const std::string& name);
  //! Text lines (records that are str) into part files under `dir`, exactly once with checkpoints (the
  //! engine's FileSink: pending files committed when a checkpoint completes).
  int file_sink(int in, const std::string& dir, const std::string& name, const std::string& prefix,
                const std::string& suffix);
  //! A sink that drops every record in C++ (no GIL): Flink's DiscardingSink.
  int discarding_sink(int in, const std::string& name);
  //! KafkaSink of a stream of strings, or with config["fields"] of (topic, key, value, partition) tuples
  //! that the Python side's preprocessing map computed (kafka_builders.cc).
  int kafka_sink(int in, const py::dict& config, const std::string& name);
  void set_sink_property(int sink, const std::string& key, py::handle value);

  // Running.
  py::object execute(const std::string& job_name);
  py::object execute_async(const std::string& job_name);
  std::string plan_json(const std::string& job_name);
  //! While a Weir process plans this Python job: hands the graph to the planner (api/job_plan.h).
  void capture(const std::string& job_name);

 private:
  using Stream = std::variant<ValueStream, KeyedRecordStream, PyKeyedStream>;
  int add(Stream s) {
    streams_.push_back(std::move(s));
    return static_cast<int>(streams_.size()) - 1;
  }
  ValueStream& values(int h, const char* what);
  PyKeyedStream& keyed(int h, const char* what);
  Stream& stream(int h);
  graph::StreamNode& node_of(int h);

  std::unique_ptr<StreamExecutionEnvironment> env_;
  std::vector<Stream> streams_;
  std::vector<DataStreamSink> sinks_;
};

void register_job_builder(py::module_& m);
//! Creates Kafka topics and waits until the brokers serve them (kafka_builders.cc; for tests and tools).
void kafka_create_topics(const std::string& bootstrap_servers,
                         const std::vector<std::pair<std::string, int>>& topics, double timeout_s);
//! Grows a topic to `total_partitions` partitions (tests of partition discovery).
void kafka_create_partitions(const std::string& bootstrap_servers, const std::string& topic,
                             int total_partitions, double timeout_s);
//! The partition count of a topic (the Python KafkaSink's partitioner gets the partitions); a ValueError
//! naming the topic when it does not exist.
int kafka_partition_count(const std::string& bootstrap_servers, const std::string& topic, double timeout_s);
//! Every record of a topic as (partition, key or None, value), read from the start to the end
//! (read_committed); for tests.
std::vector<std::tuple<int32_t, std::optional<py::bytes>, py::bytes>> kafka_read_topic(
    const std::string& bootstrap_servers, const std::string& topic, double timeout_s);
//! A WatermarkStrategy of Python records from WatermarkStrategy._engine_spec() and its timestamp assigner
//! (None, or a callable of (value, record_timestamp)); job_builder.cc.
WatermarkStrategy<PyValue> watermark_strategy(const py::tuple& strategy, py::object assigner);

}  // namespace weir::python
