#include "weir/cluster/artifacts/job_library.h"

#include <dlfcn.h>

#include <fstream>
#include <mutex>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "weir/api/job_entry_point.h"
#include "weir/api/job_plan.h"

namespace weir::cluster {

struct JobLibrary::Handle {
  std::filesystem::path path;
  void* dl = nullptr;
  JobMainFunction main = nullptr;

  Handle(std::filesystem::path p, void* h, JobMainFunction m) : path(std::move(p)), dl(h), main(m) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { dlclose(dl); }
};

namespace {

// dlerror's state is per thread but dlopen/dlsym/dlerror sequences of two threads on one library would
// still race on the reported text; loading is rare, so one lock keeps the messages right.
std::mutex& dl_mutex() {
  static std::mutex mu;
  return mu;
}

std::string last_dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown error";
}

bool has_elf_magic(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

}  // namespace

JobLibrary JobLibrary::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw JobLibraryError(fmt::format("job library {}: no such file", path.string()));
  if (!std::filesystem::is_regular_file(path, ec))
    throw JobLibraryError(fmt::format("job library {}: not a regular file", path.string()));
  // A path without a slash would make dlopen search the library path instead of opening this file.
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) abs = path;

  std::lock_guard lock(dl_mutex());
  dlerror();
  void* dl = dlopen(abs.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (dl == nullptr) {
    std::string why = last_dl_error();
    if (!has_elf_magic(abs))
      throw JobLibraryError(
          fmt::format("job library {}: not a shared library (dlopen: {})", abs.string(), why));
    throw JobLibraryError(
        fmt::format("job library {}: cannot be loaded (dlopen: {}); a job library must be built with "
                    "weir_add_job_library "
                    "against this Weir, and loaded by a process that exports Weir's symbols",
                    abs.string(), why));
  }
  auto close_on_error = [dl] { dlclose(dl); };
  dlerror();
  void* entry = dlsym(dl, kJobEntryPointSymbol);
  if (entry == nullptr) {
    const auto* version_symbol = static_cast<const int*>(dlsym(dl, kJobEntryPointVersionSymbol));
    const int version = version_symbol ? *version_symbol : 0;  // read before dlclose unmaps it
    close_on_error();
    if (version_symbol != nullptr)
      throw JobLibraryError(fmt::format(
          "job library {}: built against Weir job entry-point version {}, but this Weir loads version {}; "
          "rebuild the library against this Weir",
          abs.string(), version, kJobEntryPointVersion));
    throw JobLibraryError(fmt::format(
        "job library {}: no Weir job entry point (symbol {}); export the job's main with WEIR_JOB_MAIN(main) "
        "from weir/api/job_entry_point.h",
        abs.string(), kJobEntryPointSymbol));
  }
  // The library calls into this process's Weir directly: it must have been compiled against the same
  // headers, compiler and flags.
  const auto* build_id = static_cast<const char*>(dlsym(dl, kJobBuildIdSymbol));
  if (build_id == nullptr || std::string_view(build_id) != kBuildId) {
    const std::string theirs = build_id ? build_id : "";  // copied before dlclose unmaps it
    close_on_error();
    if (theirs.empty())
      throw JobLibraryError(fmt::format(
          "job library {}: has no Weir build id (symbol {}): it was built by an older Weir; rebuild it with "
          "weir_add_job_library against this Weir (build {})",
          abs.string(), kJobBuildIdSymbol, kBuildId));
    throw JobLibraryError(
        fmt::format("job library {}: built against Weir build {}, but this Weir is build {} (other headers, "
                    "compiler or flags); rebuild the library with weir_add_job_library against this Weir",
                    abs.string(), theirs, kBuildId));
  }
  auto main = reinterpret_cast<JobMainFunction>(entry);
  return JobLibrary(std::make_shared<const Handle>(abs, dl, main));
}

const std::filesystem::path& JobLibrary::path() const {
  return handle_->path;
}

std::shared_ptr<const graph::JobGraph> JobLibrary::plan(const std::vector<std::string>& args,
                                                        const Configuration& config) const {
  PlannedJob job = plan_job(handle_->main, "job library " + handle_->path.string(), args, config);
  // The graph's code lives in the library: the holder releases the graph first, then its hold on the library.
  struct Holder {
    std::shared_ptr<const Handle> library;
    std::shared_ptr<graph::JobGraph> graph;
  };
  auto holder = std::make_shared<Holder>(Holder{handle_, std::move(job.graph)});
  const graph::JobGraph* g = holder->graph.get();
  return std::shared_ptr<const graph::JobGraph>(std::move(holder), g);
}

}  // namespace weir::cluster
