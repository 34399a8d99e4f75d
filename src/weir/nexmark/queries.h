#pragma once
// The Nexmark queries as DataStream jobs. build_query adds one query's operators to an environment;
// the caller executes it. Semantics and output columns: ../shared/NEXMARK.md, issue 3, and the
// README of this folder.
#include <string>
#include <string_view>
#include <vector>

#include "weir/api/environment.h"
#include "weir/nexmark/query_options.h"

namespace weir::nexmark {

//! The implemented queries in suite order: q0 ... q22 (nexmark-flink also has a q23, not implemented).
const std::vector<std::string>& query_names();
bool is_query(std::string_view name);
//! Calibration jobs, not queries (not in query_names(), not run by `--query all`): "passthrough" sends
//! every event from the source to a blackhole through the engine. (The generator alone, without the
//! engine, is run_generator_alone in query_runner.h.)
bool is_calibration_job(std::string_view name);
//! Adds query or calibration job `name` to `env`. Throws JobDefinitionError naming an unknown query.
void build_query(std::string_view name, StreamExecutionEnvironment& env, const QueryOptions& options);

}  // namespace weir::nexmark
