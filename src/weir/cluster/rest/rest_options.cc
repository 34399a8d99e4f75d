#include "weir/cluster/rest/rest_options.h"

namespace weir::options {

const ConfigOption<std::string> kRestAddress{
    {"rest.address", ConfigType::kString, "127.0.0.1",
     "Host the JobManager's REST server binds to; clients and browsers connect to it."}};
const ConfigOption<int64_t> kRestPort{{"rest.port",
                                       ConfigType::kInt,
                                       "8081",
                                       "Port of the JobManager's REST server (0 = any free port).",
                                       {},
                                       0,
                                       65535}};
// A body is held in memory whole while it arrives: at most 2 GiB (and at least 1 KiB, so that a JSON request
// fits).
const ConfigOption<int64_t> kRestMaxContentLength{
    {"rest.server.max-content-length",
     ConfigType::kMemorySize,
     "100mb",
     "Largest request body the REST server accepts (a job library or Python job uploaded by `weir run` or "
     "the web UI); a larger one is refused with 413. 1 kb to 2 gb: a body is held in memory whole.",
     {},
     1024,
     int64_t{2} << 30}};
const ConfigOption<Duration> kRestAsyncStoreDuration{
    {"rest.async.store-duration", ConfigType::kDuration, "5 min",
     "How long the outcome of a savepoint, stop or checkpoint triggered over REST is kept after it finished; "
     "then its trigger id is unknown (404)."}};

}  // namespace weir::options
