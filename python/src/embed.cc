#include "embed.h"

#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "py_operator_base.h"
#include "weir/api/job_plan.h"
#include "weir/cluster/rpc/job_planner.h"
#include "weir/common/config_options.h"
#include "weir/common/error.h"

extern "C" PyObject* PyInit__core();

namespace py = pybind11;

namespace weir::python {
namespace {

std::string g_package_dir;

std::string default_package_dir() {
  if (const char* env = std::getenv("WEIR_PYTHONPATH")) return env;
#ifdef WEIR_PYTHON_PACKAGE_DIR
  return WEIR_PYTHON_PACKAGE_DIR;
#else
  return {};
#endif
}

//! Starts the interpreter once, with weir._core built in; leaves the GIL released.
void ensure_interpreter() {
  static std::once_flag once;
  std::call_once(once, [] {
    // weir._core is built into this binary: the built-in importer finds it before any weir/_core*.so.
    PyImport_AppendInittab("weir._core", &PyInit__core);
    py::initialize_interpreter(/*init_signal_handlers=*/false);
    {
      py::module_ sys = py::module_::import("sys");
      std::string dir = g_package_dir.empty() ? default_package_dir() : g_package_dir;
      if (!dir.empty()) sys.attr("path").attr("insert")(0, dir);
      py::module_::import("weir.common");  // registers Row with the codec
    }
    PyEval_SaveThread();  // task and RPC threads take the GIL when they need it
  });
}

//! Runs `script` as __main__ with sys.argv = [script, args...]; the plan signal ends it normally.
//! `extra_paths` go to the front of sys.path, the first one first.
int run_main(const std::string& script, const std::vector<std::string>& args,
             const std::vector<std::string>& extra_paths) {
  py::module_ sys = py::module_::import("sys");
  py::list argv;
  argv.append(script);
  for (const auto& a : args) argv.append(a);
  sys.attr("argv") = argv;
  for (auto it = extra_paths.rbegin(); it != extra_paths.rend(); ++it) {
    py::str p(*it);
    if (!sys.attr("path").contains(p)) sys.attr("path").attr("insert")(0, p);
  }
  try {
    py::module_::import("runpy").attr("run_path")(script, py::arg("run_name") = "__main__");
  } catch (py::error_already_set& e) {
    if (e.matches(py::module_::import("weir.datastream.stream_execution_environment").attr("_PlanCaptured")))
      return 0;
    if (e.matches(PyExc_SystemExit)) {
      py::object code = e.value().attr("code");
      if (code.is_none()) return 0;
      if (py::isinstance<py::int_>(code)) return code.cast<int>();
      py::print(code, py::arg("file") = sys.attr("stderr"));
      return 1;
    }
    throw;
  }
  return 0;
}

// Where an archive keeps a job's --pyRequirements: the requirements file and, optionally, a directory of
// packages pip installs from instead of an index (Flink's `-pyreq requirements.txt#cached_dir`).
constexpr const char* kRequirementsDir = "_weir_requirements";

std::string python_executable(const Configuration& conf) {
  std::string exe = conf.get_string(options::kPythonExecutable);
  if (!exe.empty()) return exe;
#ifdef WEIR_PYTHON_EXECUTABLE
  return WEIR_PYTHON_EXECUTABLE;
#else
  return "python3";
#endif
}

//! pip-installs `requirements` (from `cache_dir` only, when given) into `target`, once: a finished
//! installation leaves `target`. Throws JobDefinitionError with pip's own words. GIL held.
void install_requirements(const std::string& requirements, const std::string& cache_dir,
                          const std::string& target, const Configuration& conf) {
  if (std::filesystem::exists(target)) return;
  std::string tmp = target + ".tmp";
  std::filesystem::remove_all(tmp);
  py::list cmd;
  for (const char* a : {"-m", "pip", "install", "--disable-pip-version-check", "--no-warn-script-location",
                        "--quiet", "--target"})
    cmd.append(a);
  cmd.attr("insert")(0, python_executable(conf));
  cmd.append(tmp);
  cmd.append("-r");
  cmd.append(requirements);
  if (!cache_dir.empty()) {
    cmd.append("--no-index");
    cmd.append("--find-links");
    cmd.append(cache_dir);
  }
  py::object r;
  try {
    r = py::module_::import("subprocess")
            .attr("run")(cmd, py::arg("capture_output") = true, py::arg("text") = true);
  } catch (py::error_already_set& e) {
    throw JobDefinitionError(
        fmt::format("--pyRequirements: cannot run pip with '{}' (set python.executable): {}",
                    python_executable(conf), format_python_error(e)));
  }
  if (r.attr("returncode").cast<int>() != 0) {
    std::string out = r.attr("stderr").cast<std::string>() + r.attr("stdout").cast<std::string>();
    while (!out.empty() && out.back() == '\n') out.pop_back();
    throw JobDefinitionError(
        fmt::format("--pyRequirements: pip could not install {}: {}", requirements, out));
  }
  std::filesystem::rename(tmp, target);
}

//! The archive's requirements installed into `dir`/_weir_requirements/site; that path, or none.
std::vector<std::string> archive_requirements(const std::string& dir, const Configuration& conf) {
  auto base = std::filesystem::path(dir) / kRequirementsDir;
  auto req = base / "requirements.txt";
  if (!std::filesystem::exists(req)) return {};
  auto cache = base / "cache";
  auto site = (base / "site").string();
  install_requirements(req.string(), std::filesystem::exists(cache) ? cache.string() : "", site, conf);
  return {site};
}

std::mutex& extract_mutex() {
  static std::mutex mu;
  return mu;
}

std::shared_ptr<graph::JobGraph> plan_python(const std::string& archive, const std::string& name,
                                             const std::vector<std::string>& args,
                                             const Configuration& conf) {
  ensure_interpreter();
  // The archive's files, once per blob: <blob path>.d/
  std::string dir = archive + ".d";
  std::vector<std::string> paths;
  {
    std::lock_guard lock(extract_mutex());
    py::gil_scoped_acquire gil;
    if (!std::filesystem::exists(dir)) {
      std::string tmp = dir + ".tmp";
      try {
        py::module_::import("shutil").attr("rmtree")(tmp, py::arg("ignore_errors") = true);
        py::module_::import("zipfile").attr("ZipFile")(archive).attr("extractall")(tmp);
      } catch (py::error_already_set& e) {
        throw JobDefinitionError(
            fmt::format("Python job '{}': its archive cannot be read: {}", name, format_python_error(e)));
      }
      std::filesystem::rename(tmp, dir);
    }
    paths = archive_requirements(dir, conf);  // installed once per archive, like the extraction
  }
  paths.push_back(dir);
  std::string script = (std::filesystem::path(dir) / name).string();
  if (!std::filesystem::exists(script))
    throw JobDefinitionError(fmt::format("Python job '{}': the archive has no file of that name", name));
  auto main = [&](int, char**) -> int {
    py::gil_scoped_acquire gil;
    try {
      return run_main(script, args, paths);
    } catch (py::error_already_set& e) {
      throw JobDefinitionError(format_python_error(e));
    }
  };
  PlannedJob planned = plan_job(main, name, args, conf);
  return planned.graph;
}

}  // namespace

void enable_python_jobs(const std::string& package_dir) {
  g_package_dir = package_dir;
  cluster::rpc::register_python_planner(plan_python);
}

int run_python_script(const std::string& script, const std::vector<std::string>& args,
                      const Configuration& conf, const std::string& requirements) {
  if (!std::filesystem::exists(script))
    throw ConfigError(fmt::format("Python job '{}' does not exist", script));
  auto [req, cache] = split_requirements(requirements);
  ensure_interpreter();
  py::gil_scoped_acquire gil;
  py::dict base;
  for (const auto& [k, v] : conf.values()) base[py::str(k)] = py::str(v);
  py::module_::import("weir._core").attr("set_default_config")(base);
  std::vector<std::string> paths;
  // This run's own directory for the requirements, removed when it ends.
  struct RemovedAtExit {
    std::string path;
    ~RemovedAtExit() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
  } site;
  if (!req.empty()) {
    char pattern[] = "/tmp/weir-pyreq-XXXXXX";
    if (!mkdtemp(pattern)) throw ConfigError("--pyRequirements: cannot create a temporary directory");
    site.path = pattern;
    try {
      install_requirements(req, cache, site.path + "/site", conf);
    } catch (const JobDefinitionError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 1;
    }
    paths.push_back(site.path + "/site");
  }
  paths.push_back(std::filesystem::absolute(script).parent_path().string());
  try {
    return run_main(script, args, paths);
  } catch (py::error_already_set& e) {
    std::fprintf(stderr, "%s\n", format_python_error(e).c_str());
    return 1;
  }
}

std::pair<std::string, std::string> split_requirements(const std::string& requirements) {
  if (requirements.empty()) return {};
  auto hash = requirements.find('#');
  std::string req = requirements.substr(0, hash);
  std::string cache = hash == std::string::npos ? "" : requirements.substr(hash + 1);
  if (!std::filesystem::is_regular_file(req))
    throw ConfigError(fmt::format("--pyRequirements: '{}' is not a file", req));
  if (!cache.empty() && !std::filesystem::is_directory(cache))
    throw ConfigError(fmt::format("--pyRequirements: the package directory '{}' does not exist", cache));
  return {req, cache};
}

std::string make_python_archive(const std::string& script, const std::vector<std::string>& py_files,
                                const std::string& requirements) {
  if (!std::filesystem::exists(script))
    throw ConfigError(fmt::format("Python job '{}' does not exist", script));
  for (const auto& f : py_files)
    if (!std::filesystem::exists(f)) throw ConfigError(fmt::format("--pyFiles: '{}' does not exist", f));
  auto [req, cache] = split_requirements(requirements);
  ensure_interpreter();
  py::gil_scoped_acquire gil;
  py::dict scope;
  scope["script"] = script;
  scope["py_files"] = py_files;
  scope["req"] = req;
  scope["cache"] = cache;
  scope["req_dir"] = kRequirementsDir;
  py::exec(R"(
import io, os, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.write(script, os.path.basename(script))
    for f in py_files:
        if os.path.isdir(f):
            base = os.path.dirname(os.path.abspath(f))
            for root, _, files in os.walk(f):
                for n in files:
                    if n.endswith(".py"):
                        p = os.path.join(root, n)
                        z.write(p, os.path.relpath(os.path.abspath(p), base))
        else:
            z.write(f, os.path.basename(f))
    if req:
        z.write(req, req_dir + "/requirements.txt")
    if cache:
        for n in sorted(os.listdir(cache)):
            p = os.path.join(cache, n)
            if os.path.isfile(p):
                z.write(p, req_dir + "/cache/" + n)
data = buf.getvalue()
)",
           scope);
  return scope["data"].cast<std::string>();
}

}  // namespace weir::python
