#pragma once
// Writes records as JSON lines into part files in a directory, exactly once (see FilePartWriter in
// file_sink.h), or into memory for tests.
// `Format` is a stateless functor `void(std::string& out, const T&)` that appends one JSON object;
// the default writes a WEIR_STRUCT record with all its fields.
#include <memory>
#include <string>

#include "weir/connectors/collect_sink.h"
#include "weir/connectors/file_sink.h"
#include "weir/connectors/json_format.h"
#include "weir/functions/functions.h"
#include "weir/functions/runtime_context.h"

namespace weir::connectors {

struct JsonObjectFormat {
  template <typename T>
  void operator()(std::string& out, const T& v) const {
    append_json(out, v);
  }
};

//! JSON lines in part files (exactly once, like FileSink), or in memory for tests.
template <typename T, typename Format = JsonObjectFormat>
class JsonLinesSink final : public PartFileSinkBase<T, JsonLinesSink<T, Format>> {
  using Base = PartFileSinkBase<T, JsonLinesSink<T, Format>>;

 public:
  //! Part files in directory `dir`.
  explicit JsonLinesSink(std::string dir) : Base(std::move(dir)) {}
  //! Lines collected in memory (tests).
  explicit JsonLinesSink(std::shared_ptr<CollectedResults<std::string>> lines)
      : Base(""), lines_(std::move(lines)) {}
  JsonLinesSink(const JsonLinesSink& o) : Base(o), lines_(o.lines_) {}

  void format(std::string& out, const T& v) const { Format{}(out, v); }
  void initialize_state(RuntimeContext& ctx, bool restored) override {
    if (!lines_) Base::initialize_state(ctx, restored);
  }
  void snapshot_state(int64_t id) override {
    if (!lines_) Base::snapshot_state(id);
  }
  void notify_checkpoint_complete(int64_t id) override {
    if (!lines_) Base::notify_checkpoint_complete(id);
  }
  void invoke(const T& v, const typename SinkFunction<T>::Context& ctx) override {
    if (!lines_) return Base::invoke(v, ctx);
    line_.clear();
    Format{}(line_, v);
    lines_->add(line_, ctx.timestamp);
  }
  void finish() override {
    if (!lines_) Base::finish();
  }

 private:
  std::shared_ptr<CollectedResults<std::string>> lines_;
  std::string line_;
};

//! Discards every record (the published suite's blackhole connector).
template <typename T>
struct DiscardingSink final : SinkFunction<T> {
  void invoke(const T&, const typename SinkFunction<T>::Context&) override {}
};

}  // namespace weir::connectors
