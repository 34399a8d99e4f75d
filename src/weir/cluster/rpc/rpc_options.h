#pragma once
// Configuration keys of the distributed cluster's processes and control plane, with Flink's names.
#include <string>

#include "weir/common/config.h"

namespace weir::options {

extern const ConfigOption<std::string> kJobManagerRpcAddress;         // jobmanager.rpc.address
extern const ConfigOption<int64_t> kJobManagerRpcPort;                // jobmanager.rpc.port
extern const ConfigOption<std::string> kTaskManagerHost;              // taskmanager.host
extern const ConfigOption<int64_t> kTaskManagerRpcPort;               // taskmanager.rpc.port
extern const ConfigOption<int64_t> kTaskManagerDataPort;              // taskmanager.data.port
extern const ConfigOption<int64_t> kTaskManagerMallocArenaMax;        // taskmanager.memory.malloc-arena-max
extern const ConfigOption<int64_t> kTaskManagerMetricsPort;           // taskmanager.metrics.port
extern const ConfigOption<Duration> kTaskManagerRegistrationTimeout;  // taskmanager.registration.timeout
extern const ConfigOption<Duration> kHeartbeatInterval;               // heartbeat.interval
extern const ConfigOption<Duration> kHeartbeatTimeout;                // heartbeat.timeout

}  // namespace weir::options

namespace weir::cluster::rpc {

//! The heartbeat settings, validated together: 0 < heartbeat.interval < heartbeat.timeout.
struct HeartbeatSettings {
  Duration interval;
  Duration timeout;
  //! Throws ConfigError naming the key that breaks the rule.
  static HeartbeatSettings from(const Configuration& conf);
};

}  // namespace weir::cluster::rpc
