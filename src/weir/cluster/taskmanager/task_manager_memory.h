#pragma once
// A TaskManager's memory as it knows it, for its page in the web UI: the process's resident set (what
// the operating system charges it), the network buffers (the only memory Weir pools itself: buffers in
// use, the peak, and the sum of the pools' bounds) and the managed-memory budget that state backends
// share (taskmanager.memory.managed.size, split evenly over the slots).
//
// Threading: a pure snapshot; any thread.
#include <cstdint>

#include "weir/common/config.h"

namespace weir::cluster {

struct TaskManagerMemory {
  int64_t rss_bytes = 0;       //!< VmRSS of /proc/self/status (0 where there is none)
  int64_t peak_rss_bytes = 0;  //!< VmHWM
  int64_t network_segment_size = 0;
  int64_t network_buffers_in_use = 0;
  int64_t network_buffers_peak = 0;
  int64_t network_buffers_capacity = 0;
  int64_t managed_memory_bytes = 0;
};

//! The snapshot now; `conf` is the TaskManager's configuration (segment size, managed memory).
TaskManagerMemory task_manager_memory(const Configuration& conf);

}  // namespace weir::cluster
