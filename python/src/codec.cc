#include "codec.h"

#include <datetime.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "weir/common/error.h"

namespace weir::python {
namespace {}  // namespace
namespace {
enum Tag : uint8_t {
  kNone = 0,
  kFalse = 1,
  kTrue = 2,
  kInt = 3,     // zigzag varint
  kBigInt = 4,  // length + little-endian two's complement
  kDouble = 5,
  kFloat32 = 6,
  kStr = 7,
  kBytes = 8,
  kTuple = 9,
  kList = 10,
  kDict = 11,
  kRow = 12,  // kind, field count, names flag, [names], values
  kDecimal = 13,
  kDateTime = 14,  // y m d h m s us (naive)
  kDate = 15,
  kTime = 16,
  kPickled = 17,
  kByteArray = 18,
};

struct Globals {
  py::object row_class;
  py::object row_kind_class;
  py::object decimal_class;
  py::object pickle_dumps;
  py::object pickle_loads;
  py::str values_attr{"_values"};
  py::str fields_attr{"_fields"};
  py::str kind_attr{"_row_kind"};
};

Globals& globals() {
  // Leaked on purpose: destroyed after the interpreter would be too late to decref.
  static Globals* g = [] {
    auto* g = new Globals();
    auto decimal = py::module_::import("decimal");
    g->decimal_class = decimal.attr("Decimal");
    auto pickle = py::module_::import("pickle");
    g->pickle_dumps = pickle.attr("dumps");
    g->pickle_loads = pickle.attr("loads");
    PyDateTime_IMPORT;
    return g;
  }();
  return *g;
}

void write_zigzag(DataOutput& out, int64_t v) {
  out.write_varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
int64_t read_zigzag(DataInput& in) {
  uint64_t u = in.read_varint();
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

[[noreturn]] void mismatch(const TypeSpec& spec, py::handle value, const char* why = nullptr) {
  std::string repr;
  try {
    repr = py::repr(value).cast<std::string>();
    if (repr.size() > 80) repr = repr.substr(0, 77) + "...";
  } catch (...) {
    repr = "?";
  }
  std::string type_name = Py_TYPE(value.ptr())->tp_name;
  throw py::type_error("value " + repr + " of Python type '" + type_name +
                       "' does not match the declared type " + spec.name +
                       (why ? std::string(": ") + why : std::string()));
}

void write_int(DataOutput& out, py::handle value) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow == 0) {
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    out.write_u8(kInt);
    write_zigzag(out, v);
    return;
  }
  // Arbitrary precision: two's complement bytes.
  size_t bits = _PyLong_NumBits(value.ptr());
  size_t n = bits / 8 + 1;
  std::string buf(n, '\0');
  if (_PyLong_AsByteArray(reinterpret_cast<PyLongObject*>(value.ptr()),
                          reinterpret_cast<unsigned char*>(buf.data()), n, /*little_endian=*/1,
                          /*is_signed=*/1) < 0)
    throw py::error_already_set();
  out.write_u8(kBigInt);
  out.write_bytes(buf);
}

void write_str(DataOutput& out, py::handle value) {
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(value.ptr(), &n);
  if (!s) throw py::error_already_set();
  out.write_u8(kStr);
  out.write_bytes(std::string_view(s, static_cast<size_t>(n)));
}

void write_row(DataOutput& out, py::handle value, const TypeSpec* spec) {
  auto& g = globals();
  py::object values = value.attr(g.values_attr);
  py::object kind = value.attr(g.kind_attr);
  py::object fields = py::getattr(value, g.fields_attr, py::none());
  Py_ssize_t n = PyList_Check(values.ptr()) ? PyList_GET_SIZE(values.ptr()) : py::len(values);
  py::list vals = PyList_Check(values.ptr()) ? py::reinterpret_borrow<py::list>(values) : py::list(values);
  const std::vector<std::string>* names = nullptr;
  if (spec && spec->kind == TypeSpec::Kind::kRow) {
    if (static_cast<size_t>(n) != spec->children.size())
      mismatch(*spec, value,
               ("it has " + std::to_string(n) + " fields, the type " + std::to_string(spec->children.size()))
                   .c_str());
    names = &spec->field_names;
  }
  out.write_u8(kRow);
  out.write_u8(static_cast<uint8_t>(py::int_(kind.attr("value")).cast<int>()));
  out.write_varint(static_cast<uint64_t>(n));
  if (names) {
    out.write_u8(1);
    for (const auto& nm : *names) out.write_bytes(nm);
  } else if (!fields.is_none()) {
    out.write_u8(1);
    for (auto f : fields) out.write_bytes(f.cast<std::string>());
  } else {
    out.write_u8(0);
  }
  for (Py_ssize_t i = 0; i < n; ++i) encode(out, vals[i], spec ? spec->children[i].get() : nullptr);
}

void write_datetime(DataOutput& out, py::handle v) {
  out.write_u8(kDateTime);
  out.write_fixed<int16_t>(static_cast<int16_t>(PyDateTime_GET_YEAR(v.ptr())));
  out.write_u8(PyDateTime_GET_MONTH(v.ptr()));
  out.write_u8(PyDateTime_GET_DAY(v.ptr()));
  out.write_u8(PyDateTime_DATE_GET_HOUR(v.ptr()));
  out.write_u8(PyDateTime_DATE_GET_MINUTE(v.ptr()));
  out.write_u8(PyDateTime_DATE_GET_SECOND(v.ptr()));
  out.write_fixed<int32_t>(PyDateTime_DATE_GET_MICROSECOND(v.ptr()));
}

void write_generic(DataOutput& out, py::handle value) {
  PyObject* o = value.ptr();
  auto& g = globals();
  if (o == Py_None) {
    out.write_u8(kNone);
  } else if (o == Py_True) {
    out.write_u8(kTrue);
  } else if (o == Py_False) {
    out.write_u8(kFalse);
  } else if (PyLong_CheckExact(o)) {
    write_int(out, value);
  } else if (PyUnicode_CheckExact(o)) {
    write_str(out, value);
  } else if (PyFloat_CheckExact(o)) {
    out.write_u8(kDouble);
    out.write_fixed<double>(PyFloat_AS_DOUBLE(o));
  } else if (PyTuple_CheckExact(o)) {
    Py_ssize_t n = PyTuple_GET_SIZE(o);
    out.write_u8(kTuple);
    out.write_varint(static_cast<uint64_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) write_generic(out, PyTuple_GET_ITEM(o, i));
  } else if (PyList_CheckExact(o)) {
    Py_ssize_t n = PyList_GET_SIZE(o);
    out.write_u8(kList);
    out.write_varint(static_cast<uint64_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) write_generic(out, PyList_GET_ITEM(o, i));
  } else if (PyDict_CheckExact(o)) {
    out.write_u8(kDict);
    out.write_varint(static_cast<uint64_t>(PyDict_GET_SIZE(o)));
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(o, &pos, &k, &v)) {
      write_generic(out, k);
      write_generic(out, v);
    }
  } else if (g.row_class && PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(g.row_class.ptr()))) {
    write_row(out, value, nullptr);
  } else if (PyBytes_CheckExact(o)) {
    out.write_u8(kBytes);
    out.write_bytes(std::string_view(PyBytes_AS_STRING(o), static_cast<size_t>(PyBytes_GET_SIZE(o))));
  } else if (PyByteArray_CheckExact(o)) {
    out.write_u8(kByteArray);
    out.write_bytes(std::string_view(PyByteArray_AS_STRING(o), static_cast<size_t>(PyByteArray_GET_SIZE(o))));
  } else if (Py_TYPE(o) == reinterpret_cast<PyTypeObject*>(g.decimal_class.ptr())) {
    out.write_u8(kDecimal);
    out.write_bytes(py::str(value).cast<std::string>());
  } else if (PyDateTime_CheckExact(o) && py::getattr(value, "tzinfo").is_none()) {
    write_datetime(out, value);
  } else if (PyDate_CheckExact(o)) {
    out.write_u8(kDate);
    out.write_fixed<int16_t>(static_cast<int16_t>(PyDateTime_GET_YEAR(o)));
    out.write_u8(PyDateTime_GET_MONTH(o));
    out.write_u8(PyDateTime_GET_DAY(o));
  } else if (PyTime_CheckExact(o) && py::getattr(value, "tzinfo").is_none()) {
    out.write_u8(kTime);
    out.write_u8(PyDateTime_TIME_GET_HOUR(o));
    out.write_u8(PyDateTime_TIME_GET_MINUTE(o));
    out.write_u8(PyDateTime_TIME_GET_SECOND(o));
    out.write_fixed<int32_t>(PyDateTime_TIME_GET_MICROSECOND(o));
  } else {
    py::bytes b;
    try {
      b = g.pickle_dumps(value, 5);
    } catch (py::error_already_set& e) {
      throw py::type_error(std::string("cannot encode a value of type '") + Py_TYPE(o)->tp_name +
                           "': it is not a built-in type and pickling it failed: " + e.what());
    }
    out.write_u8(kPickled);
    out.write_bytes(std::string_view(b));
  }
}

void check_int_range(const TypeSpec& spec, py::handle value, int64_t lo, int64_t hi) {
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) mismatch(spec, value);
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || v < lo || v > hi) mismatch(spec, value, "out of range");
}

void encode_sequence(DataOutput& out, py::handle value, const TypeSpec& spec, Tag tag) {
  if (!PyList_Check(value.ptr()) && !PyTuple_Check(value.ptr())) mismatch(spec, value);
  py::sequence seq = py::reinterpret_borrow<py::sequence>(value);
  size_t n = seq.size();
  out.write_u8(tag);
  out.write_varint(n);
  const TypeSpec* elem = spec.children.empty() ? nullptr : spec.children[0].get();
  for (size_t i = 0; i < n; ++i) encode(out, seq[i], elem);
}

}  // namespace

void register_row_type(py::handle row_class, py::handle row_kind_class) {
  globals().row_class = py::reinterpret_borrow<py::object>(row_class);
  globals().row_kind_class = py::reinterpret_borrow<py::object>(row_kind_class);
}

void encode(DataOutput& out, py::handle value, const TypeSpec* spec) {
  if (!spec || spec->kind == TypeSpec::Kind::kAny) return write_generic(out, value);
  using K = TypeSpec::Kind;
  PyObject* o = value.ptr();
  if (o == Py_None) {  // every declared type is nullable, as in Flink's Python types
    out.write_u8(kNone);
    return;
  }
  switch (spec->kind) {
    case K::kAny:
      return write_generic(out, value);
    case K::kPickled: {
      py::bytes b = globals().pickle_dumps(value, 5);
      out.write_u8(kPickled);
      out.write_bytes(std::string_view(b));
      return;
    }
    case K::kString:
    case K::kChar:
      if (!PyUnicode_Check(o)) mismatch(*spec, value);
      return write_str(out, value);
    case K::kBoolean:
      if (!PyBool_Check(o)) mismatch(*spec, value);
      out.write_u8(o == Py_True ? kTrue : kFalse);
      return;
    case K::kByte:
      check_int_range(*spec, value, -128, 127);
      return write_int(out, value);
    case K::kShort:
      check_int_range(*spec, value, -32768, 32767);
      return write_int(out, value);
    case K::kInt:
      check_int_range(*spec, value, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
      return write_int(out, value);
    case K::kLong:
      check_int_range(*spec, value, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
      return write_int(out, value);
    case K::kBigInt:
      if (!PyLong_Check(o) || PyBool_Check(o)) mismatch(*spec, value);
      return write_int(out, value);
    case K::kFloat: {
      if (!PyFloat_Check(o) && !(PyLong_Check(o) && !PyBool_Check(o))) mismatch(*spec, value);
      // A 4-byte float, as Flink's FLOAT: the value read back is rounded to single precision.
      out.write_u8(kFloat32);
      out.write_fixed<float>(static_cast<float>(PyFloat_AsDouble(o)));
      return;
    }
    case K::kDouble:
      if (!PyFloat_Check(o) && !(PyLong_Check(o) && !PyBool_Check(o))) mismatch(*spec, value);
      out.write_u8(kDouble);
      out.write_fixed<double>(PyFloat_AsDouble(o));
      return;
    case K::kBigDec:
      if (Py_TYPE(o) != reinterpret_cast<PyTypeObject*>(globals().decimal_class.ptr()))
        mismatch(*spec, value);
      out.write_u8(kDecimal);
      out.write_bytes(py::str(value).cast<std::string>());
      return;
    case K::kSqlTimestamp:
      if (!PyDateTime_Check(o)) mismatch(*spec, value);
      return write_generic(out, value);
    case K::kSqlDate:
      if (!PyDate_Check(o) || PyDateTime_Check(o)) mismatch(*spec, value);
      return write_generic(out, value);
    case K::kSqlTime:
      if (!PyTime_Check(o)) mismatch(*spec, value);
      return write_generic(out, value);
    case K::kPrimitiveArray:
    case K::kBasicArray:
    case K::kObjectArray:
    case K::kList:
      return encode_sequence(out, value, *spec, kList);
    case K::kMap: {
      if (!PyDict_Check(o)) mismatch(*spec, value);
      out.write_u8(kDict);
      out.write_varint(static_cast<uint64_t>(PyDict_GET_SIZE(o)));
      PyObject *k, *v;
      Py_ssize_t pos = 0;
      while (PyDict_Next(o, &pos, &k, &v)) {
        encode(out, k, spec->children[0].get());
        encode(out, v, spec->children[1].get());
      }
      return;
    }
    case K::kTuple: {
      if (!PyTuple_Check(o) && !PyList_Check(o)) mismatch(*spec, value);
      py::sequence seq = py::reinterpret_borrow<py::sequence>(value);
      if (seq.size() != spec->children.size())
        mismatch(*spec, value,
                 ("it has " + std::to_string(seq.size()) + " fields, the type " +
                  std::to_string(spec->children.size()))
                     .c_str());
      out.write_u8(kTuple);
      out.write_varint(seq.size());
      for (size_t i = 0; i < seq.size(); ++i) encode(out, seq[i], spec->children[i].get());
      return;
    }
    case K::kRow: {
      auto& g = globals();
      if (!g.row_class || !PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(g.row_class.ptr()))) {
        mismatch(*spec, value, "a Row is expected");
      }
      return write_row(out, value, spec);
    }
  }
}

bool needs_normalize(const TypeSpec* spec) {
  if (!spec) return false;
  using K = TypeSpec::Kind;
  switch (spec->kind) {
    case K::kRow:
    case K::kFloat:
    case K::kTuple:
      return true;
    default:
      for (const auto& c : spec->children)
        if (needs_normalize(c.get())) return true;
      return false;
  }
}

py::object normalize(py::handle value, const TypeSpec* spec) {
  if (!needs_normalize(spec) || value.is_none()) return py::reinterpret_borrow<py::object>(value);
  using K = TypeSpec::Kind;
  PyObject* o = value.ptr();
  switch (spec->kind) {
    case K::kFloat:
      if (PyFloat_Check(o) || (PyLong_Check(o) && !PyBool_Check(o)))
        return py::float_(static_cast<double>(static_cast<float>(PyFloat_AsDouble(o))));
      return py::reinterpret_borrow<py::object>(value);
    case K::kTuple: {
      // The common case: already a tuple of the right size whose fields need nothing.
      if (PyTuple_CheckExact(o) && static_cast<size_t>(PyTuple_GET_SIZE(o)) == spec->children.size()) {
        bool plain = true;
        for (const auto& c : spec->children) plain = plain && !needs_normalize(c.get());
        if (plain) return py::reinterpret_borrow<py::object>(value);
      }
      if (!PyTuple_Check(o) && !PyList_Check(o)) return py::reinterpret_borrow<py::object>(value);
      py::sequence seq = py::reinterpret_borrow<py::sequence>(value);
      if (seq.size() != spec->children.size()) return py::reinterpret_borrow<py::object>(value);
      bool changed = !PyTuple_CheckExact(o);
      py::tuple t(seq.size());
      for (size_t i = 0; i < seq.size(); ++i) {
        py::object item = seq[i];
        py::object n = normalize(item, spec->children[i].get());
        changed = changed || n.ptr() != item.ptr();
        PyTuple_SET_ITEM(t.ptr(), i, n.release().ptr());
      }
      return changed ? py::object(t) : py::reinterpret_borrow<py::object>(value);
    }
    case K::kRow: {
      // The codec writes rows with the declared names; reading back gives a named row.
      DataOutput out;
      encode(out, value, spec);
      DataInput in(out.view());
      return decode(in);
    }
    default: {
      DataOutput out;
      encode(out, value, spec);
      DataInput in(out.view());
      return decode(in);
    }
  }
}

std::string encode_to_string(py::handle value, const TypeSpec* spec) {
  // One buffer per thread, reused (a fresh DataOutput allocates and zeroes 256 bytes); a nested call (a
  // value's pickling calling back into Weir) gets its own.
  thread_local DataOutput scratch;
  thread_local bool in_use = false;
  if (in_use) {
    DataOutput out;
    encode(out, value, spec);
    return out.str();
  }
  in_use = true;
  struct Done {
    ~Done() { in_use = false; }
  } done;
  scratch.clear();
  encode(scratch, value, spec);
  return scratch.str();
}

namespace {
constexpr int kMaxDepth = 200;

py::object decode_at(DataInput& in, int depth);

py::object make_row(uint8_t kind, py::list values, py::object fields) {
  auto& g = globals();
  if (!g.row_class) throw SerializationError("a Row was read before weir.common was imported");
  PyTypeObject* t = reinterpret_cast<PyTypeObject*>(g.row_class.ptr());
  py::object row = py::reinterpret_steal<py::object>(t->tp_alloc(t, 0));
  if (!row) throw py::error_already_set();
  py::setattr(row, g.values_attr, values);
  if (!fields.is_none()) py::setattr(row, g.fields_attr, fields);
  py::setattr(row, g.kind_attr, g.row_kind_class(static_cast<int>(kind)));
  return row;
}

py::object decode_at(DataInput& in, int depth) {
  if (depth > kMaxDepth) throw SerializationError("Python value nested deeper than 200 levels");
  uint8_t tag = in.read_u8();
  switch (tag) {
    case kNone:
      return py::none();
    case kFalse:
      return py::bool_(false);
    case kTrue:
      return py::bool_(true);
    case kInt:
      return py::reinterpret_steal<py::object>(PyLong_FromLongLong(read_zigzag(in)));
    case kBigInt: {
      auto b = in.read_bytes();
      PyObject* o = _PyLong_FromByteArray(reinterpret_cast<const unsigned char*>(b.data()), b.size(), 1, 1);
      if (!o) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(o);
    }
    case kDouble:
      return py::float_(in.read_fixed<double>());
    case kFloat32:
      return py::float_(static_cast<double>(in.read_fixed<float>()));
    case kStr: {
      auto s = in.read_bytes();
      PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
      if (!o) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(o);
    }
    case kBytes: {
      auto s = in.read_bytes();
      return py::bytes(s.data(), s.size());
    }
    case kByteArray: {
      auto s = in.read_bytes();
      return py::reinterpret_steal<py::object>(
          PyByteArray_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size())));
    }
    case kTuple: {
      uint64_t n = in.read_varint();
      if (n > in.remaining()) throw SerializationError("tuple length exceeds the data");
      py::tuple t(n);
      for (uint64_t i = 0; i < n; ++i) {
        py::object v = decode_at(in, depth + 1);
        PyTuple_SET_ITEM(t.ptr(), i, v.release().ptr());
      }
      return t;
    }
    case kList: {
      uint64_t n = in.read_varint();
      if (n > in.remaining()) throw SerializationError("list length exceeds the data");
      py::list l(n);
      for (uint64_t i = 0; i < n; ++i) {
        py::object v = decode_at(in, depth + 1);
        PyList_SET_ITEM(l.ptr(), i, v.release().ptr());
      }
      return l;
    }
    case kDict: {
      uint64_t n = in.read_varint();
      if (n > in.remaining()) throw SerializationError("dict length exceeds the data");
      py::dict d;
      for (uint64_t i = 0; i < n; ++i) {
        py::object k = decode_at(in, depth + 1);
        py::object v = decode_at(in, depth + 1);
        if (PyDict_SetItem(d.ptr(), k.ptr(), v.ptr()) < 0) throw py::error_already_set();
      }
      return d;
    }
    case kRow: {
      uint8_t kind = in.read_u8();
      if (kind > 3) throw SerializationError("bad row kind " + std::to_string(kind));
      uint64_t n = in.read_varint();
      if (n > in.remaining()) throw SerializationError("row length exceeds the data");
      uint8_t has_names = in.read_u8();
      py::object fields = py::none();
      if (has_names > 1) throw SerializationError("bad row names flag");
      if (has_names) {
        py::list names(n);
        for (uint64_t i = 0; i < n; ++i) {
          auto s = in.read_bytes();
          PyList_SET_ITEM(names.ptr(), i, py::str(s.data(), s.size()).release().ptr());
        }
        fields = names;
      }
      py::list values(n);
      for (uint64_t i = 0; i < n; ++i)
        PyList_SET_ITEM(values.ptr(), i, decode_at(in, depth + 1).release().ptr());
      return make_row(kind, values, fields);
    }
    case kDecimal: {
      auto s = in.read_bytes();
      return globals().decimal_class(py::str(s.data(), s.size()));
    }
    case kDateTime: {
      globals();
      int y = in.read_fixed<int16_t>();
      int mo = in.read_u8(), d = in.read_u8(), h = in.read_u8(), mi = in.read_u8(), s = in.read_u8();
      int us = in.read_fixed<int32_t>();
      PyObject* o = PyDateTime_FromDateAndTime(y, mo, d, h, mi, s, us);
      if (!o) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(o);
    }
    case kDate: {
      globals();
      int y = in.read_fixed<int16_t>();
      int mo = in.read_u8(), d = in.read_u8();
      PyObject* o = PyDate_FromDate(y, mo, d);
      if (!o) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(o);
    }
    case kTime: {
      globals();
      int h = in.read_u8(), mi = in.read_u8(), s = in.read_u8();
      int us = in.read_fixed<int32_t>();
      PyObject* o = PyTime_FromTime(h, mi, s, us);
      if (!o) throw py::error_already_set();
      return py::reinterpret_steal<py::object>(o);
    }
    case kPickled: {
      auto s = in.read_bytes();
      return globals().pickle_loads(py::memoryview::from_memory(s.data(), static_cast<ssize_t>(s.size())));
    }
    default:
      throw SerializationError("unknown Python value tag " + std::to_string(tag));
  }
}
}  // namespace

py::object decode(DataInput& in) {
  return decode_at(in, 0);
}

py::object decode_string(std::string_view bytes) {
  DataInput in(bytes);
  py::object v = decode(in);
  if (!in.at_end()) throw SerializationError("trailing bytes after a Python value");
  return v;
}

std::shared_ptr<const TypeSpec> TypeSpec::from_python(const py::handle& d) {
  // description: (kind_name, display_name, field_names, children)
  auto spec = std::make_shared<TypeSpec>();
  if (d.is_none()) return spec;
  auto t = d.cast<py::tuple>();
  std::string kind = t[0].cast<std::string>();
  spec->name = t[1].cast<std::string>();
  static const std::pair<const char*, Kind> kinds[] = {
      {"ANY", Kind::kAny},
      {"PICKLED", Kind::kPickled},
      {"STRING", Kind::kString},
      {"BYTE", Kind::kByte},
      {"SHORT", Kind::kShort},
      {"INT", Kind::kInt},
      {"LONG", Kind::kLong},
      {"FLOAT", Kind::kFloat},
      {"DOUBLE", Kind::kDouble},
      {"BOOLEAN", Kind::kBoolean},
      {"BIG_DEC", Kind::kBigDec},
      {"BIG_INT", Kind::kBigInt},
      {"SQL_DATE", Kind::kSqlDate},
      {"SQL_TIME", Kind::kSqlTime},
      {"SQL_TIMESTAMP", Kind::kSqlTimestamp},
      {"CHAR", Kind::kChar},
      {"PRIMITIVE_ARRAY", Kind::kPrimitiveArray},
      {"BASIC_ARRAY", Kind::kBasicArray},
      {"OBJECT_ARRAY", Kind::kObjectArray},
      {"LIST", Kind::kList},
      {"MAP", Kind::kMap},
      {"TUPLE", Kind::kTuple},
      {"ROW", Kind::kRow},
  };
  bool found = false;
  for (const auto& [n, k] : kinds)
    if (kind == n) {
      spec->kind = k;
      found = true;
    }
  if (!found) throw py::value_error("unknown type kind '" + kind + "'");
  for (auto n : t[2]) spec->field_names.push_back(n.cast<std::string>());
  for (auto c : t[3]) spec->children.push_back(from_python(c));
  if ((spec->kind == Kind::kMap && spec->children.size() != 2) ||
      ((spec->kind == Kind::kList || spec->kind == Kind::kBasicArray || spec->kind == Kind::kPrimitiveArray ||
        spec->kind == Kind::kObjectArray) &&
       spec->children.size() != 1))
    throw py::value_error("type " + spec->name + " has the wrong number of element types");
  if (spec->kind == Kind::kRow && spec->field_names.size() != spec->children.size())
    throw py::value_error("type " + spec->name + " has " + std::to_string(spec->field_names.size()) +
                          " names for " + std::to_string(spec->children.size()) + " fields");
  return spec;
}

}  // namespace weir::python

namespace weir::python {
std::string encode_int64(int64_t v) {
  DataOutput out;
  out.write_u8(kInt);
  write_zigzag(out, v);
  return out.str();
}
std::string decode_utf8(std::string_view bytes) {
  DataInput in(bytes);
  if (in.read_u8() != kStr) throw SerializationError("a text sink got a value that is not a str");
  std::string s(in.read_bytes());
  if (!in.at_end()) throw SerializationError("trailing bytes after a str");
  return s;
}

std::string encode_utf8(std::string_view s) {
  DataOutput out;
  out.write_u8(kStr);
  out.write_bytes(s);
  return out.str();
}

std::vector<PlainField> decode_plain_tuple(std::string_view bytes) {
  DataInput in(bytes);
  if (in.read_u8() != kTuple) throw SerializationError("expected a tuple");
  std::vector<PlainField> out;
  for (uint64_t n = in.read_varint(); n > 0; --n) {
    switch (in.read_u8()) {
      case kNone:
        out.emplace_back(std::monostate{});
        break;
      case kStr:
      case kBytes:
        out.emplace_back(std::string(in.read_bytes()));
        break;
      case kInt:
        out.emplace_back(read_zigzag(in));
        break;
      default:
        throw SerializationError("a tuple field is not None, str, bytes or int");
    }
  }
  if (!in.at_end()) throw SerializationError("trailing bytes after a tuple");
  return out;
}
}  // namespace weir::python
