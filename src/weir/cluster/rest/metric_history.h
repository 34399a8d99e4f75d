#pragma once
// A small in-memory history of every job's task counters, so that rates are computed over a window
// (not between two requests) and the web UI's charts have a past when a page opens. A sampler thread
// asks each job that has not ended for its subtasks' counters (JobMaster::task_counters: records in and
// out, output-buffer wait, input watermark) every `interval` and keeps the last `capacity` samples per
// job. An ended job keeps its samples while the Dispatcher still lists it.
//
// Threading: one sampler thread, started by the constructor and joined by the destructor; samples()
// copies under mu_ from any thread. The gRPC calls to TaskManagers happen outside mu_.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "weir/cluster/jobmanager/dispatcher.h"

namespace weir::cluster::rest {

//! One subtask's counters at a sample; `counters` is empty when the subtask was not measured (not
//! running, or its TaskManager did not answer).
struct SubtaskSample {
  int attempt = 0;
  std::optional<TaskCounters> counters;
};

//! Every subtask of every vertex of one job at one instant.
struct MetricSample {
  int64_t time_ms = 0;  //!< milliseconds since the epoch
  std::vector<std::vector<SubtaskSample>> vertices;
};

class MetricHistory {
 public:
  //! `dispatcher` (may be null: nothing is sampled) must outlive this object.
  explicit MetricHistory(Dispatcher* dispatcher, std::chrono::milliseconds interval = std::chrono::seconds(1),
                         size_t capacity = 300);
  ~MetricHistory();
  MetricHistory(const MetricHistory&) = delete;
  MetricHistory& operator=(const MetricHistory&) = delete;

  //! The job's samples, oldest first (empty when none was taken yet).
  std::vector<MetricSample> samples(const JobId& job) const;
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  void run();
  void sample_all();

  Dispatcher* const dispatcher_;
  const std::chrono::milliseconds interval_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                                 // guarded by mu_
  std::map<std::string, std::deque<MetricSample>> jobs_;  // by job id text; guarded by mu_
  std::thread thread_;                                    // last: started once the fields exist
};

}  // namespace weir::cluster::rest
