#pragma once
// Text files in a directory, one part file per subtask. A part file is written under a hidden
// in-progress name (".part-<subtask>.inprogress") and renamed to "part-<subtask>" when the input
// ends, so readers of the directory only ever see complete files.
#include <cstdio>
#include <filesystem>
#include <string>

#include "weir/api/functions.h"
#include "weir/api/runtime_context.h"
#include "weir/common/error.h"
#include "weir/common/formatter.h"

namespace weir::connectors {

class FilePartWriter {
 public:
  void open(const std::string& dir, int subtask);
  void write_line(std::string_view line);
  //! Flushes and publishes the part file under its final name.
  void commit();
  ~FilePartWriter();

 private:
  std::FILE* f_ = nullptr;
  std::filesystem::path tmp_;
  std::filesystem::path final_;
};

template <typename T>
class FileSink final : public SinkFunction<T> {
 public:
  explicit FileSink(std::string dir) : dir_(std::move(dir)) {}
  FileSink(const FileSink& o) : dir_(o.dir_) {}
  void open(RuntimeContext& ctx) override { writer_.open(dir_, ctx.get_index_of_this_subtask()); }
  void invoke(const T& v, const typename SinkFunction<T>::Context&) override {
    line_.clear();
    append_display(line_, v);
    writer_.write_line(line_);
  }
  void finish() override { writer_.commit(); }

 private:
  std::string dir_;
  FilePartWriter writer_;
  std::string line_;
};

}  // namespace weir::connectors
