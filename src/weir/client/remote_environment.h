#pragma once
// The remote environment (Flink's createRemoteEnvironment): a program defines its pipeline as usual and
// execute() submits it to a running cluster over the JobManager's REST API instead of running it here.
//
// Weir cannot ship C++ closures; what travels is the job library (docs/jobs.md) built from the same
// source, whose entry point the cluster runs to build the job again. So the program and the library must
// build the same pipeline: the program sends its plan (JobGraph::describe()) along, and the JobManager
// refuses the job, naming the first difference, when the library's plan differs from it. The simplest way
// to keep them equal is one main for both: a library's main that calls create_remote_environment() runs
// under the loader's plan context on the cluster (execute() there hands over the graph, it does not
// submit again), and the same main, linked into an executable, submits.
//
//   auto env = weir::create_remote_environment("jobmanager", 8081, "build/jobs/libmy_job.so", {"in", "out"});
//   env->from_sequence(1, 100).map(...).write_as_text(out);
//   env->execute("my job");   // uploads the library, submits, waits for the end; throws if the job failed
//
// Threading: like any environment, one client thread; the JobClient may be used from any thread.
#include <memory>
#include <string>
#include <vector>

#include "weir/api/environment.h"

namespace weir {

//! An environment whose jobs run on the cluster whose JobManager serves REST at `host`:`port`.
//! `job_library` is the job library whose entry point builds the same pipeline as this program, given
//! `program_args` (the arguments after argv[0]) and `config`; it is uploaded at each execute(). Throws
//! ConfigError for an empty host or a port outside 1..65535; a library that cannot be read, a JobManager
//! that cannot be reached and a refused job are WeirErrors from execute().
std::unique_ptr<StreamExecutionEnvironment> create_remote_environment(
    const std::string& host, int port, const std::string& job_library,
    std::vector<std::string> program_args = {}, Configuration config = {});

}  // namespace weir
