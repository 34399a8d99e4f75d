#pragma once
// Configuration keys of the TaskManager's task executor (Flink's names and defaults).
#include "weir/common/config.h"

namespace weir::options {

extern const ConfigOption<Duration> kTaskCancellationInterval;  // task.cancellation.interval
extern const ConfigOption<Duration> kTaskCancellationTimeout;   // task.cancellation.timeout
//! taskmanager.network.max-stashed-event-bytes: the most bytes of events (buffers that travel without credit)
//! an input channel blocked for a checkpoint's alignment may hold before its task fails (Task::stash).
extern const ConfigOption<int64_t> kMaxStashedEventBytes;

}  // namespace weir::options
