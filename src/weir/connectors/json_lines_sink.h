#pragma once
// Writes records as JSON lines into part files in a directory (one per subtask, published under
// their final names when the input ends; see FilePartWriter), or into memory for tests.
// `Format` is a stateless functor `void(std::string& out, const T&)` that appends one JSON object;
// the default writes a WEIR_STRUCT record with all its fields.
#include <memory>
#include <string>

#include "weir/api/functions.h"
#include "weir/api/runtime_context.h"
#include "weir/connectors/collect_sink.h"
#include "weir/connectors/file_sink.h"
#include "weir/connectors/json_format.h"

namespace weir::connectors {

struct JsonObjectFormat {
  template <typename T>
  void operator()(std::string& out, const T& v) const {
    append_json(out, v);
  }
};

template <typename T, typename Format = JsonObjectFormat>
class JsonLinesSink final : public SinkFunction<T> {
 public:
  //! Part files in directory `dir`.
  explicit JsonLinesSink(std::string dir) : dir_(std::move(dir)) {}
  //! Lines collected in memory (tests).
  explicit JsonLinesSink(std::shared_ptr<CollectedResults<std::string>> lines) : lines_(std::move(lines)) {}
  JsonLinesSink(const JsonLinesSink& o) : dir_(o.dir_), lines_(o.lines_) {}

  void open(RuntimeContext& ctx) override {
    if (!lines_) writer_.open(dir_, ctx.get_index_of_this_subtask());
  }
  void invoke(const T& v, const typename SinkFunction<T>::Context& ctx) override {
    line_.clear();
    Format{}(line_, v);
    if (lines_) lines_->add(line_, ctx.timestamp);
    else writer_.write_line(line_);
  }
  void finish() override {
    if (!lines_) writer_.commit();
  }

 private:
  std::string dir_;
  std::shared_ptr<CollectedResults<std::string>> lines_;
  FilePartWriter writer_;
  std::string line_;
};

//! Discards every record (the published suite's blackhole connector).
template <typename T>
struct DiscardingSink final : SinkFunction<T> {
  void invoke(const T&, const typename SinkFunction<T>::Context&) override {}
};

}  // namespace weir::connectors
