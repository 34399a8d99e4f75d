#pragma once
// A Nexmark query as a job other processes can rebuild: the `nexmark` builtin job of a cluster. Its
// arguments are `key=value` words (the spec a client sends and every JobManager and TaskManager
// replays): query (required), events (required), seed, rate, base-time, out-of-orderness, tps,
// sink (blackhole, file:DIR or kafka:TOPIC), source (generator or kafka:TOPIC; events is then optional),
// bootstrap-servers, delivery-guarantee, transactional-id-prefix. (`weir nexmark --jobmanager` submits the
// job library libweir_nexmark_job.so with its own flags instead.)
#include <memory>
#include <string>
#include <vector>

#include "weir/common/config.h"
#include "weir/graph/job_graph.h"

namespace weir::nexmark {

//! Builds the query's job graph with `conf` (parallelism and other keys). Throws ConfigError naming a
//! bad or missing argument, JobDefinitionError for an unknown query.
std::shared_ptr<graph::JobGraph> build_nexmark_job(const std::vector<std::string>& args,
                                                   const Configuration& conf);

}  // namespace weir::nexmark
