#pragma once
// from_collection: the elements of a vector, in order, from one subtask.
#include <tuple>
#include <vector>

#include "weir/common/serializer.h"

#include "weir/functions/source_operator.h"

namespace weir::connectors {

template <typename T>
class CollectionReader final : public SourceReader<T> {
 public:
  explicit CollectionReader(std::shared_ptr<const std::vector<T>> data) : data_(std::move(data)) {}
  void open(const SourceContext& ctx) override {
    // Split by stride so that the union over subtasks is the collection whatever the parallelism.
    next_ = ctx.subtask_index;
    stride_ = ctx.parallelism;
  }
  InputStatus poll_next(SourceOutput<T>& out, int max_records) override {
    for (;;) {
      for (int i = 0; i < max_records && next_ < data_->size(); ++i, next_ += stride_)
        out.collect((*data_)[next_]);
      if (next_ < data_->size()) return InputStatus::kMoreAvailable;
      if (queued_.empty()) return InputStatus::kEndOfInput;
      std::tie(next_, stride_) = queued_.back();
      queued_.pop_back();
    }
  }
  //! A split is (next index, stride).
  std::optional<std::vector<std::string>> snapshot_splits() override {
    std::vector<std::string> out;
    if (next_ < data_->size())
      out.push_back(serialize_to_string(std::pair<uint64_t, uint64_t>{next_, stride_}));
    for (const auto& [n, s] : queued_)
      out.push_back(serialize_to_string(std::pair<uint64_t, uint64_t>{n, s}));
    return out;
  }
  void restore_splits(const std::vector<std::string>& splits) override {
    next_ = data_->size();
    queued_.clear();
    for (const auto& s : splits) queued_.push_back(deserialize_from_string<std::pair<uint64_t, uint64_t>>(s));
  }

 private:
  std::vector<std::pair<uint64_t, uint64_t>> queued_;
  std::shared_ptr<const std::vector<T>> data_;
  size_t next_ = 0;
  size_t stride_ = 1;
};

}  // namespace weir::connectors
