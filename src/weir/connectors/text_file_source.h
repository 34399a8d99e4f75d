#pragma once
// Lines of a text file (bounded). Subtask s of p emits lines s, s+p, ... so any parallelism reads
// every line exactly once.
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "weir/common/serializer.h"

#include "weir/common/error.h"
#include "weir/functions/source_operator.h"

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
      if (done_ || !std::getline(in_, line)) {
        if (!next_split()) return InputStatus::kEndOfInput;
        continue;
      }
      offset_ += static_cast<int64_t>(line.size()) + (in_.eof() ? 0 : 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line_no_++ % parallelism_ == subtask_) out.collect(line);
    }
    return InputStatus::kMoreAvailable;
  }
  //! A split is (byte offset, line number, stride, residue): continue at that line, emitting the lines
  //! whose number is residue modulo stride.
  std::optional<std::vector<std::string>> snapshot_splits() override {
    std::vector<std::string> out;
    if (!done_)
      out.push_back(serialize_to_string(
          std::tuple<int64_t, int64_t, int, int>{offset_, line_no_, parallelism_, subtask_}));
    for (const auto& sp : queued_) out.push_back(serialize_to_string(sp));
    return out;
  }
  void restore_splits(const std::vector<std::string>& splits) override {
    queued_.clear();
    for (const auto& s : splits)
      queued_.push_back(deserialize_from_string<std::tuple<int64_t, int64_t, int, int>>(s));
    done_ = true;
  }

 private:
  bool next_split() {
    done_ = true;
    if (queued_.empty()) return false;
    std::tie(offset_, line_no_, parallelism_, subtask_) = queued_.back();
    queued_.pop_back();
    in_.clear();
    in_.seekg(offset_);
    done_ = false;
    return true;
  }
  std::vector<std::tuple<int64_t, int64_t, int, int>> queued_;
  int64_t offset_ = 0;
  bool done_ = false;
  std::string path_;
  std::ifstream in_;
  int64_t line_no_ = 0;
  int subtask_ = 0;
  int parallelism_ = 1;
};

}  // namespace weir::connectors
