#include "weir/cluster/taskmanager/task_options.h"

namespace weir::options {

const ConfigOption<Duration> kTaskCancellationInterval{
    {"task.cancellation.interval", ConfigType::kDuration, "30 s",
     "How often the TaskManager reports a canceled task whose thread has not stopped yet."}};
const ConfigOption<Duration> kTaskCancellationTimeout{
    {"task.cancellation.timeout", ConfigType::kDuration, "180 s",
     "A canceled task whose thread has not stopped within this time (a user function that never returns) "
     "makes its TaskManager fail fatally, so its work is rescheduled elsewhere (0 = wait forever)."}};
const ConfigOption<int64_t> kMaxStashedEventBytes{
    {"taskmanager.network.max-stashed-event-bytes",
     ConfigType::kMemorySize,
     "128mb",
     "The most bytes of events (which travel without credit) an input channel blocked for a checkpoint's "
     "alignment may hold; a producer that sends more fails the consuming task, naming the channel.",
     {},
     1,
     INT64_MAX}};

}  // namespace weir::options
