#pragma once
// from_collection: the elements of a vector, in order, from one subtask.
#include <vector>

#include "weir/api/operators/source_operator.h"

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
    for (int i = 0; i < max_records && next_ < data_->size(); ++i, next_ += stride_) out.collect((*data_)[next_]);
    return next_ < data_->size() ? InputStatus::kMoreAvailable : InputStatus::kEndOfInput;
  }

 private:
  std::shared_ptr<const std::vector<T>> data_;
  size_t next_ = 0;
  size_t stride_ = 1;
};

}  // namespace weir::connectors
