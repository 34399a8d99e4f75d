#pragma once
// Planning a job without running it: a job's main (a C++ job library's entry point, see
// job_entry_point.h) runs under a plan context, where every StreamExecutionEnvironment starts from the
// context's configuration and `execute()` / `execute_async()` capture the JobGraph and the job name
// instead of running the job. The JobManager and each TaskManager plan the same library with the same
// arguments and configuration and so hold the same JobGraph.
//
// Why execute() throws instead of returning a result marked "planned": code after execute() reads the
// result (prints counts, calls get_job_execution_result on a JobClient); with a made-up result it would
// act on numbers that do not exist, and a JobClient would need a cluster. Throwing ends main at the
// point where the job is fully defined, as Flink's plan environments do. The exception is private
// to job_plan.cc and not a std::exception, so `catch (const std::exception&)` in main does not swallow it;
// a `catch (...)` that does is harmless: the graph was captured before the throw.
//
// Threading: the context belongs to the calling thread (main must call execute() on the thread that
// runs it). plan_job calls are serialized process-wide, because a main may use process globals
// (getopt's optind, static flags).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weir/common/config.h"
#include "weir/graph/job_graph.h"

namespace weir {

//! What a planned main defined.
struct PlannedJob {
  std::string job_name;
  std::shared_ptr<graph::JobGraph> graph;
};

//! Runs `main(argc, argv)` with argv = {`program`, args...} under a plan context that starts every
//! environment from `config`, and returns the job its execute() defined. `program` names the code in
//! errors (a job library's path). Throws JobDefinitionError naming `program` when main returns without
//! calling execute() (with its exit code), calls execute() more than once, or throws (with the
//! exception's message).
PlannedJob plan_job(const std::function<int(int, char**)>& main, const std::string& program,
                    const std::vector<std::string>& args, const Configuration& config);

namespace detail {
//! True while this thread runs a main under plan_job.
bool planning();
//! The configuration environments start from while planning (valid only when planning()).
const Configuration& planning_config();
//! Records the graph execute() would run and ends main (throws the private plan signal).
[[noreturn]] void capture_planned_job(std::shared_ptr<graph::JobGraph> graph, const std::string& job_name);
//! Records the graph without throwing: for mains that cannot carry a C++ exception out (a Python job's
//! execute() raises a Python exception instead, which its host turns into a normal return).
void record_planned_job(std::shared_ptr<graph::JobGraph> graph, const std::string& job_name);
}  // namespace detail

}  // namespace weir
