#pragma once
// Collects a stream's records in memory for tests and execute_and_collect(). Every subtask appends
// to one shared, mutex-guarded result.
#include <memory>
#include <mutex>
#include <vector>

#include "weir/functions/functions.h"

namespace weir {

template <typename T>
class CollectedResults {
 public:
  void add(const T& v, Timestamp ts) {
    std::lock_guard lock(mu_);
    values_.push_back(v);
    timestamps_.push_back(ts);
  }
  std::vector<T> values() const {
    std::lock_guard lock(mu_);
    return values_;
  }
  std::vector<Timestamp> timestamps() const {
    std::lock_guard lock(mu_);
    return timestamps_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return values_.size();
  }
  void clear() {
    std::lock_guard lock(mu_);
    values_.clear();
    timestamps_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<T> values_;
  std::vector<Timestamp> timestamps_;
};

namespace connectors {
template <typename T>
class CollectSink final : public SinkFunction<T> {
 public:
  explicit CollectSink(std::shared_ptr<CollectedResults<T>> r) : results_(std::move(r)) {}
  void invoke(const T& v, const typename SinkFunction<T>::Context& c) override {
    results_->add(v, c.timestamp);
  }

 private:
  std::shared_ptr<CollectedResults<T>> results_;
};
}  // namespace connectors

}  // namespace weir
