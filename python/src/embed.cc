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
int run_main(const std::string& script, const std::vector<std::string>& args, const std::string& extra_path) {
  py::module_ sys = py::module_::import("sys");
  py::list argv;
  argv.append(script);
  for (const auto& a : args) argv.append(a);
  sys.attr("argv") = argv;
  if (!extra_path.empty()) sys.attr("path").attr("insert")(0, extra_path);
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
  {
    std::lock_guard lock(extract_mutex());
    if (!std::filesystem::exists(dir)) {
      py::gil_scoped_acquire gil;
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
  }
  std::string script = (std::filesystem::path(dir) / name).string();
  if (!std::filesystem::exists(script))
    throw JobDefinitionError(fmt::format("Python job '{}': the archive has no file of that name", name));
  auto main = [&](int, char**) -> int {
    py::gil_scoped_acquire gil;
    try {
      return run_main(script, args, dir);
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
                      const Configuration& conf) {
  if (!std::filesystem::exists(script))
    throw ConfigError(fmt::format("Python job '{}' does not exist", script));
  ensure_interpreter();
  py::gil_scoped_acquire gil;
  py::dict base;
  for (const auto& [k, v] : conf.values()) base[py::str(k)] = py::str(v);
  py::module_::import("weir._core").attr("set_default_config")(base);
  std::string dir = std::filesystem::absolute(script).parent_path().string();
  try {
    return run_main(script, args, dir);
  } catch (py::error_already_set& e) {
    std::fprintf(stderr, "%s\n", format_python_error(e).c_str());
    return 1;
  }
}

std::string make_python_archive(const std::string& script, const std::vector<std::string>& py_files) {
  if (!std::filesystem::exists(script))
    throw ConfigError(fmt::format("Python job '{}' does not exist", script));
  for (const auto& f : py_files)
    if (!std::filesystem::exists(f)) throw ConfigError(fmt::format("--pyFiles: '{}' does not exist", f));
  ensure_interpreter();
  py::gil_scoped_acquire gil;
  py::dict scope;
  scope["script"] = script;
  scope["py_files"] = py_files;
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
data = buf.getvalue()
)",
           scope);
  return scope["data"].cast<std::string>();
}

}  // namespace weir::python
