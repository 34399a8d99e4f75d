#pragma once
// How a C++ job becomes a shared library (DESIGN.md section 2): the user writes an ordinary program body
// that builds a pipeline and calls `env.execute("name")`, and exports it with
//
//   int my_main(int argc, char** argv) { ... env.execute("my job"); return 0; }
//   WEIR_JOB_MAIN(my_main)
//
// Build it with the CMake function `weir_add_job_library(name sources...)`. The JobManager and every
// TaskManager load the library (cluster/artifacts/JobLibrary) and run this entry point under a plan
// context: `execute()` does not run the job there, it hands the JobGraph to the loader. So everything
// main does before execute() must give the same graph in every process: see docs/jobs.md.
//
// The macro defines two `extern "C"` symbols: the entry point itself, whose name carries the entry-point
// version (the contract between a library and the Weir that loads it: signature and plan context), and
// a constant with that version, so that a loader finding no entry point of its own version can say
// which version the library was built against instead of "no entry point". A third symbol,
// `weir_job_build_id`, holds the build id of the Weir the library was compiled against (a hash of Weir's
// headers, compiler and flags: weir/api/build_id.h, cmake/WeirBuildId.cmake): a library calls into the
// loading process's Weir directly, so one built against other headers or flags could misread its
// objects; the loader refuses it, naming both ids, instead of letting it crash.
#include "weir/api/build_id.h"

//! The entry-point version this Weir defines and loads. Raised when the contract changes.
#define WEIR_JOB_ENTRY_POINT_VERSION 1

#define WEIR_JOB_DETAIL_CAT2(a, b) a##b
#define WEIR_JOB_DETAIL_CAT(a, b) WEIR_JOB_DETAIL_CAT2(a, b)
//! The entry point's symbol: `weir_job_main_v1` for version 1.
#define WEIR_JOB_ENTRY_POINT_SYMBOL WEIR_JOB_DETAIL_CAT(weir_job_main_v, WEIR_JOB_ENTRY_POINT_VERSION)
#define WEIR_JOB_DETAIL_STR2(x) #x
#define WEIR_JOB_DETAIL_STR(x) WEIR_JOB_DETAIL_STR2(x)

namespace weir {
//! Names the loader looks up with dlsym.
inline constexpr const char* kJobEntryPointSymbol = WEIR_JOB_DETAIL_STR(WEIR_JOB_ENTRY_POINT_SYMBOL);
inline constexpr const char* kJobEntryPointVersionSymbol = "weir_job_entry_point_version";
inline constexpr int kJobEntryPointVersion = WEIR_JOB_ENTRY_POINT_VERSION;
inline constexpr const char* kJobBuildIdSymbol = "weir_job_build_id";
//! The build id of this Weir (the one a library built now embeds, and the one this loader accepts).
inline constexpr const char* kBuildId = WEIR_BUILD_ID;
//! The entry point's signature: main's.
using JobMainFunction = int (*)(int argc, char** argv);
}  // namespace weir

//! Exports `fn` (an `int fn(int argc, char** argv)`) as the library's job entry point. Use once per library,
//! at namespace scope.
#define WEIR_JOB_MAIN(fn)                                                                                    \
  extern "C" __attribute__((visibility("default"))) const int weir_job_entry_point_version =                 \
      WEIR_JOB_ENTRY_POINT_VERSION;                                                                          \
  extern "C" __attribute__((visibility("default"))) const char weir_job_build_id[] = WEIR_BUILD_ID;          \
  extern "C" __attribute__((visibility("default"))) int WEIR_JOB_ENTRY_POINT_SYMBOL(int argc, char** argv) { \
    return fn(argc, argv);                                                                                   \
  }
