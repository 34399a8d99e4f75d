#include "weir/cluster/rpc/rpc_options.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::options {

const ConfigOption<std::string> kJobManagerRpcAddress{
    {"jobmanager.rpc.address", ConfigType::kString, "127.0.0.1",
     "Host the JobManager's RPC server binds to; TaskManagers and clients connect to it."}};
const ConfigOption<int64_t> kJobManagerRpcPort{{"jobmanager.rpc.port",
                                                ConfigType::kInt,
                                                "6123",
                                                "Port of the JobManager's RPC server (0 = any free port).",
                                                {},
                                                0,
                                                65535}};
const ConfigOption<std::string> kTaskManagerHost{
    {"taskmanager.host", ConfigType::kString, "127.0.0.1",
     "Host a TaskManager binds its RPC server to and advertises to the JobManager."}};
const ConfigOption<int64_t> kTaskManagerRpcPort{{"taskmanager.rpc.port",
                                                 ConfigType::kInt,
                                                 "0",
                                                 "Port of a TaskManager's RPC server (0 = any free port).",
                                                 {},
                                                 0,
                                                 65535}};
const ConfigOption<int64_t> kTaskManagerDataPort{{"taskmanager.data.port",
                                                  ConfigType::kInt,
                                                  "0",
                                                  "Port of a TaskManager's data plane (0 = any free port).",
                                                  {},
                                                  0,
                                                  65535}};
const ConfigOption<int64_t> kTaskManagerMallocArenaMax{
    {"taskmanager.memory.malloc-arena-max",
     ConfigType::kInt,
     "2",
     "Most glibc malloc arenas a TaskManager process uses (mallopt M_ARENA_MAX at its start; what Flink's "
     "docs set as MALLOC_ARENA_MAX). glibc's default, 8 per core, lets a TaskManager that runs many short "
     "jobs keep growing with free memory held in per-thread arenas. 0: glibc's default. The MALLOC_ARENA_MAX "
     "environment variable, when set, wins. Not applied when the process runs on jemalloc (the weir "
     "executable "
     "of a release build): jemalloc's arenas return their free pages by themselves.",
     {},
     0,
     1024}};
const ConfigOption<int64_t> kTaskManagerMetricsPort{
    {"taskmanager.metrics.port",
     ConfigType::kInt,
     "0",
     "Port of a TaskManager's metrics endpoint (GET /metrics, Prometheus text format) on taskmanager.host "
     "(0 = any free port; -1 = no endpoint).",
     {},
     -1,
     65535}};
const ConfigOption<Duration> kTaskManagerRegistrationTimeout{
    {"taskmanager.registration.timeout", ConfigType::kDuration, "5 min",
     "How long a TaskManager keeps trying to register at the JobManager before it gives up and exits."}};
const ConfigOption<Duration> kHeartbeatInterval{
    {"heartbeat.interval", ConfigType::kDuration, "500 ms",
     "Time between heartbeats between the JobManager and its TaskManagers (both directions)."}};
const ConfigOption<Duration> kHeartbeatTimeout{
    {"heartbeat.timeout", ConfigType::kDuration, "2 s",
     "A peer that has not answered a heartbeat for this long is lost. Must exceed heartbeat.interval."}};

}  // namespace weir::options

namespace weir::cluster::rpc {

HeartbeatSettings HeartbeatSettings::from(const Configuration& conf) {
  HeartbeatSettings s{conf.get_duration(options::kHeartbeatInterval),
                      conf.get_duration(options::kHeartbeatTimeout)};
  if (s.interval.count() <= 0)
    throw ConfigError(
        fmt::format("invalid value for configuration key 'heartbeat.interval': must be greater "
                    "than 0 ms (got {} ms)",
                    s.interval.count()));
  if (s.timeout <= s.interval)
    throw ConfigError(
        fmt::format("invalid value for configuration key 'heartbeat.timeout': must be greater "
                    "than heartbeat.interval ({} ms), got {} ms",
                    s.interval.count(), s.timeout.count()));
  return s;
}

}  // namespace weir::cluster::rpc
