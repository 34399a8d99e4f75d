#include "py_native_state.h"

#include <new>

namespace weir::python {
namespace {

PyTypeObject* value_state_type = nullptr;
PyTypeObject* map_state_type = nullptr;

// Runs `f` and turns what a C++ call can throw into a Python exception: NULL (or -1) out.
template <typename R, typename F>
R guarded(R failed, F&& f) {
  try {
    return f();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return failed;
}

PyObject* new_ref(const py::object& o) {
  return o.inc_ref().ptr();
}

// ------------------------------------------------------------------ ValueState

// clang-format off
struct ValueStateObject {
  PyObject_HEAD
  ValueState<std::string>* state;
  TypeSpecPtr spec;
  DataOutput scratch;
};
// clang-format on

void value_dealloc(PyObject* self) {
  auto* o = reinterpret_cast<ValueStateObject*>(self);
  o->spec.~TypeSpecPtr();
  o->scratch.~DataOutput();
  PyTypeObject* t = Py_TYPE(self);
  t->tp_free(self);
  Py_DECREF(t);
}

PyObject* value_value(PyObject* self, PyObject*) {
  auto* o = reinterpret_cast<ValueStateObject*>(self);
  return guarded<PyObject*>(nullptr, [&] {
    auto v = o->state->value();
    if (!v) Py_RETURN_NONE;
    return new_ref(decode_string(*v));
  });
}

PyObject* value_update(PyObject* self, PyObject* v) {
  auto* o = reinterpret_cast<ValueStateObject*>(self);
  return guarded<PyObject*>(nullptr, [&] {
    if (v == Py_None)
      o->state->clear();
    else
      o->state->update(encode_to_string(o->scratch, v, o->spec.get()));
    Py_RETURN_NONE;
  });
}

PyObject* value_clear(PyObject* self, PyObject*) {
  auto* o = reinterpret_cast<ValueStateObject*>(self);
  return guarded<PyObject*>(nullptr, [&] {
    o->state->clear();
    Py_RETURN_NONE;
  });
}

PyMethodDef value_methods[] = {
    {"value", value_value, METH_NOARGS, "The value for the current key, or None."},
    {"update", value_update, METH_O, "Sets the value for the current key (None clears it)."},
    {"clear", value_clear, METH_NOARGS, "Removes the value for the current key."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot value_slots[] = {{Py_tp_dealloc, reinterpret_cast<void*>(value_dealloc)},
                             {Py_tp_methods, value_methods},
                             {Py_tp_doc, const_cast<char*>("ValueState: value(), update(v), clear().")},
                             {0, nullptr}};

PyType_Spec value_spec = {"weir._core.ValueState", sizeof(ValueStateObject), 0, Py_TPFLAGS_DEFAULT,
                          value_slots};

// ------------------------------------------------------------------ MapState

// clang-format off
struct MapStateObject {
  PyObject_HEAD
  MapState<std::string, std::string>* state;
  TypeSpecPtr key_spec;
  TypeSpecPtr value_spec;
  DataOutput scratch;
  std::string key(PyObject* k) { return encode_to_string(scratch, k, key_spec.get()); }
};
// clang-format on

MapStateObject* as_map(PyObject* self) {
  return reinterpret_cast<MapStateObject*>(self);
}

void map_dealloc(PyObject* self) {
  auto* o = as_map(self);
  o->key_spec.~TypeSpecPtr();
  o->value_spec.~TypeSpecPtr();
  o->scratch.~DataOutput();
  PyTypeObject* t = Py_TYPE(self);
  t->tp_free(self);
  Py_DECREF(t);
}

PyObject* map_get(PyObject* self, PyObject* k) {
  return guarded<PyObject*>(nullptr, [&] {
    auto v = as_map(self)->state->get(as_map(self)->key(k));
    if (!v) Py_RETURN_NONE;
    return new_ref(decode_string(*v));
  });
}

int map_set(PyObject* self, PyObject* k, PyObject* v) {
  return guarded<int>(-1, [&] {
    auto* o = as_map(self);
    if (v)
      o->state->put(o->key(k), encode_to_string(o->scratch, v, o->value_spec.get()));
    else
      o->state->remove(o->key(k));
    return 0;
  });
}

PyObject* map_put(PyObject* self, PyObject* const* args, Py_ssize_t n) {
  if (n != 2) {
    PyErr_Format(PyExc_TypeError, "MapState.put() takes a key and a value (%zd arguments given)", n);
    return nullptr;
  }
  if (map_set(self, args[0], args[1]) < 0) return nullptr;
  Py_RETURN_NONE;
}

PyObject* map_put_all(PyObject* self, PyObject* d) {
  return guarded<PyObject*>(nullptr, [&] {
    py::object items = py::reinterpret_borrow<py::object>(d).attr("items")();
    for (auto kv : items) {
      auto t = kv.cast<py::tuple>();
      if (map_set(self, t[0].ptr(), t[1].ptr()) < 0) throw py::error_already_set();
    }
    Py_RETURN_NONE;
  });
}

PyObject* map_remove(PyObject* self, PyObject* k) {
  if (map_set(self, k, nullptr) < 0) return nullptr;
  Py_RETURN_NONE;
}

int map_contains_slot(PyObject* self, PyObject* k) {
  return guarded<int>(-1, [&] { return as_map(self)->state->contains(as_map(self)->key(k)) ? 1 : 0; });
}

PyObject* map_contains(PyObject* self, PyObject* k) {
  int r = map_contains_slot(self, k);
  if (r < 0) return nullptr;
  return PyBool_FromLong(r);
}

PyObject* map_items(PyObject* self, PyObject*) {
  return guarded<PyObject*>(nullptr, [&] {
    py::list out;
    for (const auto& [k, v] : as_map(self)->state->entries())
      out.append(py::make_tuple(decode_string(k), decode_string(v)));
    return new_ref(out);
  });
}

PyObject* map_keys(PyObject* self, PyObject*) {
  return guarded<PyObject*>(nullptr, [&] {
    py::list out;
    for (const auto& k : as_map(self)->state->keys()) out.append(decode_string(k));
    return new_ref(out);
  });
}

PyObject* map_values(PyObject* self, PyObject*) {
  return guarded<PyObject*>(nullptr, [&] {
    py::list out;
    for (const auto& v : as_map(self)->state->values()) out.append(decode_string(v));
    return new_ref(out);
  });
}

PyObject* map_is_empty(PyObject* self, PyObject*) {
  return guarded<PyObject*>(nullptr, [&] { return PyBool_FromLong(as_map(self)->state->is_empty()); });
}

PyObject* map_clear(PyObject* self, PyObject*) {
  return guarded<PyObject*>(nullptr, [&] {
    as_map(self)->state->clear();
    Py_RETURN_NONE;
  });
}

PyObject* map_iter(PyObject* self) {
  PyObject* keys = map_keys(self, nullptr);
  if (!keys) return nullptr;
  PyObject* it = PyObject_GetIter(keys);
  Py_DECREF(keys);
  return it;
}

PyMethodDef map_methods[] = {
    {"get", map_get, METH_O, "The value for a user key, or None."},
    {"put", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(map_put)), METH_FASTCALL,
     "Sets the value for a user key."},
    {"put_all", map_put_all, METH_O, "Sets every (key, value) of a dict."},
    {"remove", map_remove, METH_O, "Removes a user key."},
    {"contains", map_contains, METH_O, "True when the user key has a value."},
    {"items", map_items, METH_NOARGS, "The (key, value) pairs."},
    {"keys", map_keys, METH_NOARGS, "The user keys."},
    {"values", map_values, METH_NOARGS, "The values."},
    {"is_empty", map_is_empty, METH_NOARGS, "True when the current key has no entries."},
    {"clear", map_clear, METH_NOARGS, "Removes every entry of the current key."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot map_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(map_dealloc)},
    {Py_tp_methods, map_methods},
    {Py_tp_iter, reinterpret_cast<void*>(map_iter)},
    {Py_mp_subscript, reinterpret_cast<void*>(map_get)},
    {Py_mp_ass_subscript, reinterpret_cast<void*>(map_set)},
    {Py_sq_contains, reinterpret_cast<void*>(map_contains_slot)},
    {Py_tp_doc, const_cast<char*>("MapState: get, put, put_all, remove, contains, keys, "
                                  "values, items, is_empty, clear; m[k], k in m, iter.")},
    {0, nullptr}};

PyType_Spec map_spec = {"weir._core.MapState", sizeof(MapStateObject), 0, Py_TPFLAGS_DEFAULT, map_slots};

PyTypeObject* make_type(py::module_& m, PyType_Spec* spec, const char* name) {
  PyObject* t = PyType_FromSpec(spec);
  if (!t) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(t));
  return reinterpret_cast<PyTypeObject*>(t);  // the module and this pointer keep their references
}

}  // namespace

void register_native_state_types(py::module_& m) {
  value_state_type = make_type(m, &value_spec, "ValueState");
  map_state_type = make_type(m, &map_spec, "MapState");
}

py::object make_value_state(ValueState<std::string>* s, TypeSpecPtr spec) {
  PyObject* self = value_state_type->tp_alloc(value_state_type, 0);
  if (!self) throw py::error_already_set();
  auto* o = reinterpret_cast<ValueStateObject*>(self);
  o->state = s;
  new (&o->spec) TypeSpecPtr(std::move(spec));
  new (&o->scratch) DataOutput();
  return py::reinterpret_steal<py::object>(self);
}

py::object make_map_state(MapState<std::string, std::string>* s, TypeSpecPtr key_spec,
                          TypeSpecPtr value_spec) {
  PyObject* self = map_state_type->tp_alloc(map_state_type, 0);
  if (!self) throw py::error_already_set();
  auto* o = reinterpret_cast<MapStateObject*>(self);
  o->state = s;
  new (&o->key_spec) TypeSpecPtr(std::move(key_spec));
  new (&o->value_spec) TypeSpecPtr(std::move(value_spec));
  new (&o->scratch) DataOutput();
  return py::reinterpret_steal<py::object>(self);
}

}  // namespace weir::python
