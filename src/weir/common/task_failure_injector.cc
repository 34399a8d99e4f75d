#include "weir/common/task_failure_injector.h"

#include <algorithm>
#include <random>
#include <string>

#include "weir/common/failure_points.h"

namespace weir {

TaskFailureInjector::TaskFailureInjector(int failures, int64_t expected_records, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x6661696c75726573ULL);  // "failures": not the generator's stream
  int64_t span = expected_records > 0 ? expected_records : int64_t{100'000} * std::max(failures, 1);
  std::uniform_int_distribution<int64_t> pick(span / 20, std::max(span / 20, span * 4 / 5));
  for (int i = 0; i < failures; ++i) thresholds_.push_back(pick(rng));
  std::sort(thresholds_.begin(), thresholds_.end());
}

void TaskFailureInjector::after_records(Subtask& s, int64_t n) {
  int64_t total = records_.fetch_add(n, std::memory_order_relaxed) + n;
  if (!s.checkpointed) return;
  int64_t k = injected_.load();
  if (k >= static_cast<int64_t>(thresholds_.size()) || total < thresholds_[k] || s.epoch != k) return;
  // Only one subtask of this attempt wins; the attempt is over for the others too.
  if (!injected_.compare_exchange_strong(k, k + 1)) return;
  throw InjectedFailure("random task failure " + std::to_string(k + 1) + " of " +
                        std::to_string(thresholds_.size()));
}

}  // namespace weir
