#pragma once
// Lines of a text file (bounded). Subtask s of p emits lines s, s+p, ... so any parallelism reads
// every line exactly once.
#include <fstream>
#include <string>

#include "weir/api/operators/source_operator.h"
#include "weir/common/error.h"

namespace weir::connectors {

class TextFileReader final : public SourceReader<std::string> {
 public:
  explicit TextFileReader(std::string path) : path_(std::move(path)) {}
  void open(const SourceContext& ctx) override {
    in_.open(path_);
    if (!in_) throw WeirError("cannot open text file '" + path_ + "' for reading");
    subtask_ = ctx.subtask_index;
    parallelism_ = ctx.parallelism;
  }
  InputStatus poll_next(SourceOutput<std::string>& out, int max_records) override {
    std::string line;
    for (int i = 0; i < max_records; ++i) {
      if (!std::getline(in_, line)) return InputStatus::kEndOfInput;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line_no_++ % parallelism_ == subtask_) out.collect(line);
    }
    return InputStatus::kMoreAvailable;
  }

 private:
  std::string path_;
  std::ifstream in_;
  int64_t line_no_ = 0;
  int subtask_ = 0;
  int parallelism_ = 1;
};

}  // namespace weir::connectors
