// weir._core: the native half of the `weir` Python package (private; the public names live in weir.*).
#include <pybind11/pybind11.h>

#include <pybind11/stl.h>
#include "codec.h"
#include "job_builder.h"
#include "py_context.h"
#include "py_state.h"
#include "py_windows.h"

#include "weir/api/job_plan.h"
#include "weir/common/error.h"
#include "weir/common/key_group.h"
#include "weir/common/serializer.h"

namespace py = pybind11;

namespace weir::python {

py::object window_to_python(const TimeWindow& w) {
  static py::object* cls = new py::object(py::module_::import("weir.datastream.window").attr("TimeWindow"));
  return (*cls)(w.start, w.end);
}
py::object window_to_python(const GlobalWindow&) {
  static py::object* cls = new py::object(py::module_::import("weir.datastream.window").attr("GlobalWindow"));
  return (*cls)();
}

}  // namespace weir::python

PYBIND11_MODULE(_core, m) {
  using namespace weir::python;
  m.doc() = "Weir's engine, bound for the weir Python package (private: use weir.datastream).";
  static py::exception<weir::WeirError> weir_error(m, "WeirError", PyExc_RuntimeError);
  static py::exception<weir::ConfigError> config_error(m, "ConfigError", PyExc_ValueError);
  static py::exception<weir::JobDefinitionError> definition_error(m, "JobDefinitionError", PyExc_ValueError);
  static py::exception<weir::JobExecutionError> execution_error(m, "JobExecutionError", weir_error.ptr());
  static py::exception<weir::JobCanceledError> canceled_error(m, "JobCanceledError", weir_error.ptr());
  static py::exception<weir::SerializationError> serialization_error(m, "SerializationError",
                                                                     weir_error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const weir::ConfigError& e) {
      PyErr_SetString(config_error.ptr(), e.what());
    } catch (const weir::JobDefinitionError& e) {
      PyErr_SetString(definition_error.ptr(), e.what());
    } catch (const weir::JobExecutionError& e) {
      PyErr_SetString(execution_error.ptr(), e.what());
    } catch (const weir::JobCanceledError& e) {
      PyErr_SetString(canceled_error.ptr(), e.what());
    } catch (const weir::SerializationError& e) {
      PyErr_SetString(serialization_error.ptr(), e.what());
    } catch (const weir::WeirError& e) {
      PyErr_SetString(weir_error.ptr(), e.what());
    }
  });

  m.def("register_row_type", &register_row_type);
  // partition_custom: for each subtask of `parallelism`, an int key whose key group that subtask owns.
  m.def("keys_for_subtasks", [](int parallelism, int max_parallelism) {
    if (parallelism < 1 || max_parallelism < parallelism)
      throw py::value_error("partition_custom: parallelism must be in 1..max parallelism");
    std::vector<int64_t> keys(parallelism, -1);
    int found = 0;
    for (int64_t k = 0; found < parallelism && k < 1'000'000; ++k) {
      std::string bytes = weir::serialize_to_string(encode_int64(k));
      auto kg = weir::key_group_for_key_bytes(bytes, max_parallelism);
      int sub = weir::subtask_for_key_group(kg, max_parallelism, parallelism);
      if (keys[sub] < 0) {
        keys[sub] = k;
        ++found;
      }
    }
    if (found < parallelism) throw py::value_error("partition_custom: no key found for some subtask");
    return keys;
  });
  // Planning (api/job_plan.h): a Weir process runs a Python job's script to get its graph.
  m.def("planning", [] { return weir::detail::planning(); });
  static py::dict* default_config = new py::dict();
  m.def("set_default_config", [](py::dict d) { *default_config = d; });
  m.def("default_config", [] {
    py::dict d(*default_config);
    if (weir::detail::planning())
      for (const auto& [k, v] : weir::detail::planning_config().values()) d[py::str(k)] = py::str(v);
    return d;
  });
  m.def(
      "encode",
      [](py::handle v, py::handle spec) {
        auto s = TypeSpec::from_python(spec);
        std::string b = encode_to_string(v, s.get());
        return py::bytes(b);
      },
      py::arg("value"), py::arg("spec") = py::none());
  m.def("decode", [](py::bytes b) { return decode_string(std::string_view(b)); });
  register_state_bindings(m);
  register_context_bindings(m);
  register_job_builder(m);
}
