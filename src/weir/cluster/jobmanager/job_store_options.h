#pragma once
// How long the Dispatcher keeps ended jobs (Flink's jobstore.* keys). An ended job's JobMaster (its graph,
// checkpoint history, exceptions, metrics) stays for jobstore.expiration-time after it ended and while at
// most jobstore.max-capacity ended jobs are kept; then only a small summary of it remains (JobSummary),
// at most kArchivedSummaries of them, for `weir list -a` and REST.
#include <chrono>
#include <cstdint>

#include "weir/common/config.h"

namespace weir::cluster {

extern const ConfigOption<int64_t> kJobStoreExpirationTime;  // jobstore.expiration-time (seconds)
extern const ConfigOption<int64_t> kJobStoreMaxCapacity;     // jobstore.max-capacity

struct JobStoreOptions {
  std::chrono::milliseconds expiration = std::chrono::hours(1);
  int64_t max_capacity = INT32_MAX;
  //! Summaries of jobs that left the store, the newest kept.
  static constexpr size_t kArchivedSummaries = 10'000;

  static JobStoreOptions from(const Configuration& conf);
};

}  // namespace weir::cluster
