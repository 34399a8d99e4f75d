#pragma once
// Configuration keys of the JobManager's REST endpoint, with Flink's names.
#include <string>

#include "weir/common/config.h"

namespace weir::options {

extern const ConfigOption<std::string> kRestAddress;          // rest.address
extern const ConfigOption<int64_t> kRestPort;                 // rest.port
extern const ConfigOption<int64_t> kRestMaxContentLength;     // rest.server.max-content-length
extern const ConfigOption<Duration> kRestAsyncStoreDuration;  // rest.async.store-duration

}  // namespace weir::options
