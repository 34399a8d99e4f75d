#pragma once
// `/jobs/:jobid/vertices/:vertexid/backpressure`: how much of the time each subtask of a vertex waits
// for an output buffer (its consumers are slower than it). The TaskExecutors count the nanoseconds a
// task's output buffer pools made it wait (network::BufferPool::waited_ns); this samples that counter
// twice, `interval` apart, and reports the fraction as `ratio` with Flink's levels: ok (<= 0.10),
// low (<= 0.5), high.
//
// Threading: any thread; blocks the calling thread for `interval`.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "weir/cluster/jobmanager/job_master.h"

namespace weir::cluster::rest {

//! Flink's level for a backpressured-time ratio: "ok", "low" or "high".
const char* backpressure_level(double ratio);

//! The vertex's backpressure. `vertex_id` as /jobs/:jobid lists it: RestError 400 when malformed,
//! 404 when the job has no such vertex.
nlohmann::json backpressure_json(const JobMaster& job, const std::string& vertex_id,
                                 std::chrono::milliseconds interval = std::chrono::milliseconds(100));

}  // namespace weir::cluster::rest
