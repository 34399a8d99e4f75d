#include "weir/cluster/rpc/job_planner.h"

#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "weir/cluster/artifacts/job_library.h"
#include "weir/common/error.h"

namespace weir::cluster::rpc {

namespace {

std::mutex& builtins_mutex() {
  static std::mutex mu;
  return mu;
}

std::map<std::string, BuiltinJob>& builtins() {
  static std::map<std::string, BuiltinJob> jobs;
  return jobs;
}

}  // namespace

PythonPlanner& python_planner() {
  static PythonPlanner p;
  return p;
}

void register_python_planner(PythonPlanner planner) {
  std::lock_guard lock(builtins_mutex());
  python_planner() = std::move(planner);
}

void register_builtin_job(const std::string& name, BuiltinJob build) {
  std::lock_guard lock(builtins_mutex());
  builtins()[name] = std::move(build);
}

Configuration spec_configuration(const weir::rpc::JobSpec& spec) {
  Configuration conf;
  // Sorted, so that errors and the resulting configuration do not depend on protobuf's map order.
  std::map<std::string, std::string> sorted(spec.config().begin(), spec.config().end());
  for (const auto& [k, v] : sorted) conf.set(k, v);
  return conf;
}

void check_expected_plan(const weir::rpc::JobSpec& spec, const graph::JobGraph& jg) {
  const std::string planned = jg.describe();
  if (planned == spec.expected_plan()) return;
  auto lines_of = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  const std::vector<std::string> program = lines_of(spec.expected_plan()), library = lines_of(planned);
  // The first line that differs; a missing line reads as "nothing".
  size_t i = 0;
  while (i < program.size() && i < library.size() && program[i] == library[i]) ++i;
  auto quoted = [i](const std::vector<std::string>& lines) {
    return i < lines.size() ? "'" + lines[i] + "'" : std::string("nothing");
  };
  throw WeirError(fmt::format(
      "'{}' builds another job than the program that submitted it: line {} of the plan is {} in the "
      "program and {} in the library. The program and its job library must build the same pipeline from "
      "the same arguments and configuration (docs/jobs.md, \"Submitting from a program\")",
      spec.name(), i + 1, quoted(program), quoted(library)));
}

std::shared_ptr<const graph::JobGraph> plan_job(const weir::rpc::JobSpec& spec,
                                                const std::string& library_path) {
  Configuration conf = spec_configuration(spec);
  std::vector<std::string> args(spec.args().begin(), spec.args().end());
  std::shared_ptr<graph::JobGraph> jg;
  if (spec.kind() == "builtin") {
    BuiltinJob build;
    {
      std::lock_guard lock(builtins_mutex());
      auto it = builtins().find(spec.name());
      if (it == builtins().end()) {
        std::string known;
        for (const auto& [n, _] : builtins()) known += (known.empty() ? "" : ", ") + n;
        throw WeirError(fmt::format("unknown builtin job '{}' (this binary has: {})", spec.name(),
                                    known.empty() ? "none" : known));
      }
      build = it->second;
    }
    jg = build(args, conf);
  } else if (spec.kind() == "library") {
    if (library_path.empty())
      throw WeirError(
          fmt::format("job library '{}': no local copy of blob {}", spec.name(), spec.blob_key()));
    auto graph = JobLibrary::load(library_path).plan(args, conf);
    // The planned graph is shared and const; this process's copy gets its artifact set on a copy of the
    // graph's header (the vertices, edges and operator factories are shared, and keep the library loaded).
    // The copy's deleter holds the planned graph, whose control block keeps the library loaded.
    jg = std::shared_ptr<graph::JobGraph>(new graph::JobGraph(*graph),
                                          [keep = graph](graph::JobGraph* p) { delete p; });
  } else if (spec.kind() == "python") {
    PythonPlanner planner;
    {
      std::lock_guard lock(builtins_mutex());
      planner = python_planner();
    }
    if (!planner)
      throw WeirError(fmt::format(
          "Python job '{}': this process was built without Python (WEIR_BUILD_PYTHON=OFF)", spec.name()));
    if (library_path.empty())
      throw WeirError(fmt::format("Python job '{}': no local copy of blob {}", spec.name(), spec.blob_key()));
    jg = planner(library_path, spec.name(), args, conf);
  } else {
    throw WeirError(fmt::format("unknown job kind '{}' (expected builtin, library or python)", spec.kind()));
  }
  if (!jg) throw WeirError(fmt::format("job '{}' built no job graph", spec.name()));
  if (!spec.expected_plan().empty()) check_expected_plan(spec, *jg);
  jg->artifact = spec.SerializeAsString();
  return jg;
}

}  // namespace weir::cluster::rpc
