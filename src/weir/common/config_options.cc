#include "weir/common/config_options.h"

namespace weir::options {

const ConfigOption<int64_t> kParallelismDefault{{"parallelism.default",
                                                 ConfigType::kInt,
                                                 "1",
                                                 "Parallelism of operators that do not set their own.",
                                                 {},
                                                 1,
                                                 32768}};
const ConfigOption<int64_t> kMaxParallelism{
    {"pipeline.max-parallelism",
     ConfigType::kInt,
     "128",
     "Number of key groups: the upper bound for rescaling keyed state.",
     {},
     1,
     32768}};
const ConfigOption<Duration> kAutoWatermarkInterval{
    {"pipeline.auto-watermark-interval", ConfigType::kDuration, "200 ms",
     "How often periodic watermark generators emit a watermark (0 = after every record batch)."}};
const ConfigOption<bool> kOperatorChaining{
    {"pipeline.operator-chaining.enabled", ConfigType::kBool, "true",
     "Chain forward-connected operators of equal parallelism into one task."}};
const ConfigOption<Duration> kBufferTimeout{
    {"execution.buffer-timeout.interval", ConfigType::kDuration, "5 ms",
     "Longest time a partly filled output buffer waits before it is sent (0 = send after every record)."}};
const ConfigOption<int64_t> kSlotsPerTaskManager{{"taskmanager.numberOfTaskSlots",
                                                  ConfigType::kInt,
                                                  "4",
                                                  "Slots offered by each TaskManager.",
                                                  {},
                                                  1,
                                                  4096}};
const ConfigOption<int64_t> kNumTaskManagers{{"minicluster.number-of-taskmanagers",
                                              ConfigType::kInt,
                                              "1",
                                              "TaskManagers started by the embedded MiniCluster.",
                                              {},
                                              1,
                                              1024}};
const ConfigOption<std::string> kMiniClusterNetwork{
    {"minicluster.network",
     ConfigType::kEnum,
     "local",
     "How the embedded MiniCluster's TaskManagers exchange records: local (shared in-process channels) or "
     "tcp "
     "(each TaskManager has its own data plane on 127.0.0.1, so shuffles between them cross TCP).",
     {"local", "tcp"}}};
// At least 4 KiB (Flink's least page size); at most 16 MiB, well below the largest data-plane message
// (network::wire::kMaxBody, 64 MiB), which a buffer and an unaligned barrier's in-flight data must fit.
const ConfigOption<int64_t> kSegmentSize{{"taskmanager.memory.segment-size",
                                          ConfigType::kMemorySize,
                                          "32kb",
                                          "Size of one network buffer (4 kb to 16 mb).",
                                          {},
                                          4 * 1024,
                                          16 * 1024 * 1024}};
const ConfigOption<int64_t> kBuffersPerChannel{
    {"taskmanager.network.memory.buffers-per-channel",
     ConfigType::kInt,
     "2",
     "Exclusive network buffers per channel: per output channel of a "
     "producer, and per remote input channel of a consumer (its credit).",
     {},
     1,
     1024}};
const ConfigOption<int64_t> kFloatingBuffersPerGate{{"taskmanager.network.memory.floating-buffers-per-gate",
                                                     ConfigType::kInt,
                                                     "8",
                                                     "Network buffers shared by all channels of one output.",
                                                     {},
                                                     0,
                                                     65536}};
const ConfigOption<Duration> kNetworkConnectTimeout{
    {"taskmanager.network.connect-timeout", ConfigType::kDuration, "10 s",
     "How long a TaskManager's data plane keeps trying to connect to another TaskManager's (which may not "
     "listen yet) before the channels waiting for it fail."}};
const ConfigOption<std::string> kStateBackendType{
    {"state.backend.type",
     ConfigType::kEnum,
     "hashmap",
     "Keyed state backend: hashmap (objects on the heap) or rocksdb (embedded RocksDB, larger than memory).",
     {"hashmap", "rocksdb"}}};

// PyFlink's keys. Weir calls Python functions in the task's own thread, record by record, so the keys that
// tune PyFlink's separate Python workers are accepted (a PyFlink program that sets them runs unchanged)
// and change nothing; python.executable names the interpreter that installs --pyRequirements.
const ConfigOption<std::string> kPythonExecutable{
    {"python.executable", ConfigType::kString, "",
     "The Python interpreter that installs a job's --pyRequirements with pip (default: the Python Weir was "
     "built with). Python functions themselves run in the Weir process's embedded interpreter."}};
const ConfigOption<std::string> kPythonExecutionMode{
    {"python.execution-mode",
     ConfigType::kEnum,
     "thread",
     "PyFlink's choice between Python worker processes and threads; accepted for compatibility, no effect "
     "(Weir always calls Python functions in the task's thread).",
     {"process", "thread"}}};
const ConfigOption<int64_t> kPythonBundleSize{
    {"python.fn-execution.bundle.size",
     ConfigType::kInt,
     "100000",
     "PyFlink's records per bundle sent to a Python worker; accepted for compatibility, no effect.",
     {},
     1,
     INT64_MAX}};
const ConfigOption<Duration> kPythonBundleTime{
    {"python.fn-execution.bundle.time", ConfigType::kDuration, "1000 ms",
     "PyFlink's longest wait before a bundle is sent to a Python worker; accepted for compatibility, no "
     "effect (execution.buffer-timeout.interval bounds latency)."}};

}  // namespace weir::options
