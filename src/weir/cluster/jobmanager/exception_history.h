#pragma once
// A job's exception history (Flink's ExceptionHistory in the scheduler): the newest failures, bounded by
// web.exception-history-size, and how many there were in all.
//
// Threading: none of its own; the JobMaster calls it under its lock.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "weir/common/config.h"

namespace weir::options {
extern const ConfigOption<int64_t> kExceptionHistorySize;  // web.exception-history-size
}  // namespace weir::options

namespace weir::cluster {

//! One failure in the job's history.
struct ExceptionEntry {
  int64_t timestamp_ms = 0;
  int attempt = 0;
  std::string task;
  std::string error;
};

class ExceptionHistory {
 public:
  //! Keeps at most `capacity` entries from now on (web.exception-history-size).
  void set_capacity(size_t capacity) { capacity_ = capacity; }
  size_t capacity() const { return capacity_; }
  //! Counts `e` and keeps it, dropping the oldest entry beyond the capacity.
  void record(ExceptionEntry e);
  //! The newest entries, oldest first.
  std::vector<ExceptionEntry> entries() const { return {entries_.begin(), entries_.end()}; }
  //! Failures ever recorded (more than entries() holds once it is truncated).
  uint64_t total() const { return total_; }

 private:
  std::deque<ExceptionEntry> entries_;
  uint64_t total_ = 0;
  size_t capacity_ = 16;
};

}  // namespace weir::cluster
