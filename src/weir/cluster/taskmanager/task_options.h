#pragma once
// Configuration keys of the TaskManager's task executor (Flink's names and defaults).
#include "weir/common/config.h"

namespace weir::options {

extern const ConfigOption<Duration> kTaskCancellationInterval;  // task.cancellation.interval
extern const ConfigOption<Duration> kTaskCancellationTimeout;   // task.cancellation.timeout

}  // namespace weir::options
