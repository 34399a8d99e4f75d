#pragma once
// Calling a Python callable from C++ on the per-record path: CPython's vectorcall with the arguments on
// the stack. pybind11's `fn(a, b)` builds an argument tuple per call; this builds nothing.
//
// Threading: the GIL must be held.
#include <pybind11/pybind11.h>

namespace weir::python {

namespace py = pybind11;

//! fn(a); throws py::error_already_set when fn raises.
inline py::object call1(const py::handle& fn, const py::handle& a) {
  PyObject* args[2] = {nullptr, a.ptr()};
  PyObject* r = PyObject_Vectorcall(fn.ptr(), args + 1, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
  if (!r) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(r);
}

//! fn(a, b); throws py::error_already_set when fn raises.
inline py::object call2(const py::handle& fn, const py::handle& a, const py::handle& b) {
  PyObject* args[3] = {nullptr, a.ptr(), b.ptr()};
  PyObject* r = PyObject_Vectorcall(fn.ptr(), args + 1, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
  if (!r) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(r);
}

}  // namespace weir::python
