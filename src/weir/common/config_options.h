#pragma once
// Every configuration key of the engine core. Later modules declare their own keys beside their code.
#include "weir/common/config.h"

namespace weir::options {

extern const ConfigOption<int64_t> kParallelismDefault;      // parallelism.default
extern const ConfigOption<int64_t> kMaxParallelism;          // pipeline.max-parallelism
extern const ConfigOption<Duration> kAutoWatermarkInterval;  // pipeline.auto-watermark-interval
extern const ConfigOption<bool> kOperatorChaining;           // pipeline.operator-chaining.enabled
extern const ConfigOption<Duration> kBufferTimeout;          // execution.buffer-timeout.interval
extern const ConfigOption<int64_t> kSlotsPerTaskManager;     // taskmanager.numberOfTaskSlots
extern const ConfigOption<int64_t> kNumTaskManagers;         // minicluster.number-of-taskmanagers
extern const ConfigOption<std::string> kMiniClusterNetwork;  // minicluster.network
extern const ConfigOption<int64_t> kSegmentSize;             // taskmanager.memory.segment-size
extern const ConfigOption<int64_t> kBuffersPerChannel;       // taskmanager.network.memory.buffers-per-channel
extern const ConfigOption<int64_t>
    kFloatingBuffersPerGate;  // taskmanager.network.memory.floating-buffers-per-gate
extern const ConfigOption<Duration> kNetworkConnectTimeout;   // taskmanager.network.connect-timeout
extern const ConfigOption<std::string> kStateBackendType;     // state.backend.type
extern const ConfigOption<std::string> kPythonExecutable;     // python.executable
extern const ConfigOption<std::string> kPythonExecutionMode;  // python.execution-mode (accepted, no effect)
extern const ConfigOption<int64_t> kPythonBundleSize;         // python.fn-execution.bundle.size (no effect)
extern const ConfigOption<Duration> kPythonBundleTime;        // python.fn-execution.bundle.time (no effect)

}  // namespace weir::options
