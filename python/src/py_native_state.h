#pragma once
// ValueState and MapState as native CPython types: the state handles a KeyedProcessFunction calls once or
// twice per record. A method call on them is a plain METH_NOARGS / METH_O call, where a pybind11 method
// costs an overload dispatch, a type lookup for `self` and argument loaders (about a third of a keyed
// record's time outside the user's code was there). The other state kinds stay pybind11 classes.
//
// Threading: task thread, GIL held (called from Python).
#include <pybind11/pybind11.h>

#include <string>

#include "codec.h"
#include "weir/state/state.h"

namespace weir::python {

//! Creates the types and adds them to `m` as ValueState and MapState.
void register_native_state_types(py::module_& m);

//! A handle on `s` for the operator's lifetime; values are encoded with `spec` (checked and normalized).
py::object make_value_state(ValueState<std::string>* s, TypeSpecPtr spec);
py::object make_map_state(MapState<std::string, std::string>* s, TypeSpecPtr key_spec,
                          TypeSpecPtr value_spec);

}  // namespace weir::python
