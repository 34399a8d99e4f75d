#pragma once
// The records of Python streams as the engine sees them, and handles on Python objects that C++ code
// may copy without the GIL.
//
// A Python stream's records cross C++ operators (shuffles, windows, state, checkpoints) as encoded bytes
// (codec.h); only Python operators decode them, so operators with no Python in them never take the GIL.
// Records of a keyed stream carry their encoded key beside the value: the key selector runs once, before
// the shuffle, and the partitioner and keyed operators read the bytes.
#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "weir/common/serializer.h"

namespace weir::python {

namespace py = pybind11;

//! One record of a Python stream: an encoded Python value.
struct PyValue {
  std::string bytes;
};

//! One record of a keyed Python stream: the encoded key and the encoded value.
struct PyKeyed {
  std::string key;
  std::string value;
};

//! A Python object that C++ code (operator factories, descriptors) can copy on any thread: the reference
//! is shared, and released with the GIL held.
class PyRef {
 public:
  PyRef() = default;
  explicit PyRef(py::object o)
      : obj_(new py::object(std::move(o)), [](py::object* p) {
          if (!Py_IsInitialized()) {  // interpreter gone: leak rather than touch it
            (void)p->release();
            delete p;
            return;
          }
          py::gil_scoped_acquire gil;
          delete p;
        }) {}
  //! Needs the GIL to be used.
  const py::object& get() const { return *obj_; }
  explicit operator bool() const { return obj_ && *obj_ && !obj_->is_none(); }

 private:
  std::shared_ptr<py::object> obj_;
};

}  // namespace weir::python

namespace weir {
template <>
struct Serializer<python::PyValue> {
  static void write(DataOutput& out, const python::PyValue& v) { out.write_bytes(v.bytes); }
  static python::PyValue read(DataInput& in) { return {std::string(in.read_bytes())}; }
  static void read_into(DataInput& in, python::PyValue& v) { v.bytes.assign(in.read_bytes()); }
};
template <>
struct Serializer<python::PyKeyed> {
  static void write(DataOutput& out, const python::PyKeyed& v) {
    out.write_bytes(v.key);
    out.write_bytes(v.value);
  }
  static python::PyKeyed read(DataInput& in) {
    python::PyKeyed r;
    r.key = std::string(in.read_bytes());
    r.value = std::string(in.read_bytes());
    return r;
  }
  static void read_into(DataInput& in, python::PyKeyed& v) {
    v.key.assign(in.read_bytes());
    v.value.assign(in.read_bytes());
  }
};
}  // namespace weir
