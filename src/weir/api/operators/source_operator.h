#pragma once
// Sources: a SourceReader per subtask, polled by the task's mailbox loop.
#include <functional>
#include <memory>

#include "weir/api/runtime_context.h"
#include "weir/runtime/output.h"
#include "weir/runtime/source_operator.h"

namespace weir {

using runtime::InputStatus;

//! Where a reader puts records.
template <typename T>
class SourceOutput {
 public:
  explicit SourceOutput(runtime::Output<T>* out) : out_(out) {}
  void collect(const T& v) { out_->collect(v, kNoTimestamp); }
  void collect(const T& v, Timestamp ts) { out_->collect(v, ts); }

 private:
  runtime::Output<T>* out_;
};

//! What a reader knows of its subtask.
struct SourceContext {
  int subtask_index = 0;
  int parallelism = 1;
  runtime::ProcessingTimeService* processing_time = nullptr;
};

//! Reads one subtask's share of a source. poll_next emits at most `max_records` and says whether
//! more are available now, later (the task waits briefly), or never (end of a bounded input).
template <typename T>
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  virtual void open(const SourceContext& ctx) {}
  virtual InputStatus poll_next(SourceOutput<T>& out, int max_records) = 0;
  virtual void close() {}
};

template <typename T>
using SourceReaderFactory = std::function<std::unique_ptr<SourceReader<T>>()>;

}  // namespace weir

namespace weir::ops {

template <typename T>
class SourceOperator final : public runtime::SourceOperatorBase {
 public:
  explicit SourceOperator(std::unique_ptr<SourceReader<T>> reader) : reader_(std::move(reader)) {}
  void open() override {
    output_ = std::make_unique<SourceOutput<T>>(static_cast<runtime::Output<T>*>(rt_.output));
    reader_->open({rt_.subtask_index, rt_.parallelism, rt_.processing_time});
  }
  InputStatus emit_next(int max_records) override { return reader_->poll_next(*output_, max_records); }
  void close() override { reader_->close(); }

 private:
  std::unique_ptr<SourceReader<T>> reader_;
  std::unique_ptr<SourceOutput<T>> output_;
};

}  // namespace weir::ops
