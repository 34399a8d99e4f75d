#pragma once
// Python in a Weir process that Python did not start (the weir CLI, JobManagers, TaskManagers): an
// embedded CPython interpreter, started on first use, with the binding (weir._core) compiled in.
//
// A Python job on a cluster is a zip of .py files in the blob store (its script and --pyFiles). Every
// process plans it as C++ job libraries are planned (api/job_plan.h): the script runs as __main__ under a
// plan context, and its env.execute() hands the job graph over instead of running. Operators then call
// the functions that planning defined in this process, on task threads, with the GIL per call.
//
// Threading: any thread; each entry point takes the GIL itself. The interpreter is never finalized.
#include <string>
#include <utility>
#include <vector>

#include "weir/common/config.h"

namespace weir::python {

//! Registers the Python planner (cluster/rpc/job_planner.h) so that this process can plan and run
//! `kind: python` jobs. `package_dir` holds the `weir` Python package (empty: the build tree's python/,
//! or $WEIR_PYTHONPATH).
void enable_python_jobs(const std::string& package_dir = {});

//! Runs `script` with `args` as a program in this process: its env.execute() runs the job on an
//! embedded MiniCluster. `conf` is the configuration its environments start from. Returns its exit code
//! (a Python exception is printed with its traceback and gives 1).
//! `requirements` (Flink's -pyreq: "requirements.txt" or "requirements.txt#package_dir") are pip-installed
//! into a directory of this run first and put on sys.path.
int run_python_script(const std::string& script, const std::vector<std::string>& args,
                      const Configuration& conf, const std::string& requirements = {});

//! A zip of `script` (at the archive's root, under its file name) and `py_files` (.py files, or
//! directories of packages), the form in which a Python job travels to a cluster. Throws ConfigError
//! naming a file that does not exist.
//! With `requirements`, the requirements file (and the package directory after '#') travel in the
//! archive too; every process that plans the job pip-installs them once per archive, next to its files,
//! and puts them on sys.path (python.executable names the Python that runs pip).
std::string make_python_archive(const std::string& script, const std::vector<std::string>& py_files,
                                const std::string& requirements = {});

//! "requirements.txt#package_dir" -> (requirements file, package dir or ""); throws ConfigError naming a
//! file or directory that does not exist.
std::pair<std::string, std::string> split_requirements(const std::string& requirements);

}  // namespace weir::python
