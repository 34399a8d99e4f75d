#pragma once
// print(): one line per record on stdout, prefixed like Flink ("2> value" at parallelism > 1,
// "id:2> value" with an identifier).
#include <cstdio>
#include <mutex>
#include <string>

#include "weir/common/formatter.h"
#include "weir/functions/functions.h"
#include "weir/functions/runtime_context.h"

namespace weir::connectors {

std::mutex& print_mutex();

template <typename T>
class PrintSink final : public SinkFunction<T> {
 public:
  explicit PrintSink(std::string identifier = {}, bool to_stderr = false)
      : identifier_(std::move(identifier)), stderr_(to_stderr) {}
  void open(RuntimeContext& ctx) override {
    if (ctx.get_number_of_parallel_subtasks() > 1)
      prefix_ = (identifier_.empty() ? "" : identifier_ + ":") +
                std::to_string(ctx.get_index_of_this_subtask() + 1) + "> ";
    else if (!identifier_.empty())
      prefix_ = identifier_ + "> ";
  }
  void invoke(const T& v, const typename SinkFunction<T>::Context&) override {
    line_ = prefix_;
    append_display(line_, v);
    line_ += '\n';
    std::lock_guard lock(print_mutex());
    std::fwrite(line_.data(), 1, line_.size(), stderr_ ? stderr : stdout);
  }
  void finish() override {
    std::lock_guard lock(print_mutex());
    std::fflush(stderr_ ? stderr : stdout);
  }

 private:
  std::string identifier_;
  bool stderr_;
  std::string prefix_;
  std::string line_;
};

}  // namespace weir::connectors
