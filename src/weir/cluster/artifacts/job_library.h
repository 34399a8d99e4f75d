#pragma once
// A C++ job library (DESIGN.md section 2) loaded into this process: the JobManager plans it to schedule
// the job, each TaskManager plans it to take the operators of the vertices it was told to run. Both get
// the same JobGraph because they run the same entry point with the same arguments and configuration.
//
// The library must be built with weir_add_job_library (CMake) against this Weir: it leaves Weir's
// symbols undefined and binds them to this process's copy, so there is one plan context, one set of
// registries and one logger. Processes that load job libraries export Weir's symbols (weir executable,
// test binaries: weir_enable_job_libraries in CMake).
//
// Lifetime: the library stays loaded while the JobLibrary or any graph planned from it lives (a graph's
// operator factories and user functions are code inside the library). Threading: load and plan may be
// called from any thread; plans of all libraries are serialized process-wide (see api/job_plan.h).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "weir/common/config.h"
#include "weir/common/error.h"
#include "weir/graph/job_graph.h"

namespace weir::cluster {

//! A job library could not be loaded: the message names the library's path and what is wrong with it.
class JobLibraryError : public WeirError {
 public:
  using WeirError::WeirError;
};

class JobLibrary {
 public:
  //! dlopen(RTLD_NOW | RTLD_LOCAL) and find the entry point. Throws JobLibraryError naming `path` when
  //! the file is missing, is not a shared library (or has unresolved symbols: dlerror's text is quoted),
  //! has no Weir entry point (WEIR_JOB_MAIN), or was built against another entry-point version.
  static JobLibrary load(const std::filesystem::path& path);

  //! Runs the entry point with `args` (argv[1..]; argv[0] is the library's path) under a plan context
  //! whose configuration is `config`, and returns the JobGraph its execute() defined, named as main named
  //! it. The graph keeps the library loaded. Throws JobDefinitionError naming the library when main does
  //! not call execute(), calls it twice, or throws.
  std::shared_ptr<const graph::JobGraph> plan(const std::vector<std::string>& args,
                                              const Configuration& config) const;

  const std::filesystem::path& path() const;

 private:
  struct Handle;
  explicit JobLibrary(std::shared_ptr<const Handle> h) : handle_(std::move(h)) {}
  std::shared_ptr<const Handle> handle_;
};

}  // namespace weir::cluster
