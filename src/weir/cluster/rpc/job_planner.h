#pragma once
// Turns a JobSpec (cluster.proto) into the job's graph. C++ closures do not travel between processes,
// so the JobManager (to schedule) and every TaskManager (to take the operators of the subtasks it runs)
// build the graph themselves from the same spec: a builtin job compiled into this binary (registered
// at startup, e.g. `nexmark`) or a job library fetched from the blob store. Equal specs must give equal
// graphs (vertex ids, parallelism, uids); a job's main must not depend on the host or the clock.
//
// Threading: register_builtin_job() at startup, before any plan_job(); plan_job() from any thread.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weir/cluster/rpc/cluster.pb.h"
#include "weir/common/config.h"
#include "weir/graph/job_graph.h"

namespace weir::cluster::rpc {

using BuiltinJob = std::function<std::shared_ptr<graph::JobGraph>(const std::vector<std::string>& args,
                                                                  const Configuration& conf)>;

//! Makes `name` a builtin job (`JobSpec.kind = "builtin"`).
void register_builtin_job(const std::string& name, BuiltinJob build);

//! Plans a Python job (`JobSpec.kind = "python"`): `archive` is the local copy of its files (a zip whose
//! `name` entry is the script), `args` its sys.argv[1:]. Registered by processes that embed Python.
using PythonPlanner = std::function<std::shared_ptr<graph::JobGraph>(
    const std::string& archive, const std::string& name, const std::vector<std::string>& args,
    const Configuration& conf)>;
void register_python_planner(PythonPlanner planner);

//! The configuration a spec's job starts from; throws ConfigError naming a bad key or value.
Configuration spec_configuration(const weir::rpc::JobSpec& spec);

//! Throws WeirError naming the first differing line when `jg`'s plan is not the spec's expected_plan (the
//! plan of the program that submitted it through a remote environment).
void check_expected_plan(const weir::rpc::JobSpec& spec, const graph::JobGraph& jg);

//! Builds the graph of `spec`; `library_path` is the local copy of a library job (unused for builtins).
//! The graph's `artifact` is the serialized spec. Throws WeirError (or a subclass) saying what is wrong
//! with the spec: unknown kind or builtin, bad arguments or configuration, a library that fails to load,
//! a plan other than the spec's expected_plan.
std::shared_ptr<const graph::JobGraph> plan_job(const weir::rpc::JobSpec& spec,
                                                const std::string& library_path);

}  // namespace weir::cluster::rpc
