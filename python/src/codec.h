#pragma once
// The encoding of Python values in Weir's network buffers, state and checkpoints.
//
// A value is written as a tag byte and its payload, recursively for containers, so any value can be read
// back without knowing its type (a stream's declared Types only check and normalize what is written).
// Built-in types (None, bool, int, float, str, bytes, tuple, list, dict, Row, Decimal, date/time) have
// compact tags; anything else is pickled, as PyFlink pickles values without type information. Equal
// values of the same Python type encode to equal bytes, which is what keys hash on (key groups), so a
// savepoint rescales whichever backend held it.
//
// Threading: every function here needs the GIL.
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "weir/common/data_io.h"

namespace weir::python {

namespace py = pybind11;

//! The declared type of a value (Types.INT(), Types.ROW_NAMED(...), ...), compiled from Python.
struct TypeSpec {
  enum class Kind {
    kAny,  // no type information: everything goes
    kPickled,
    kString,
    kByte,
    kShort,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kBoolean,
    kBigDec,
    kBigInt,
    kSqlDate,
    kSqlTime,
    kSqlTimestamp,
    kChar,
    kPrimitiveArray,
    kBasicArray,
    kObjectArray,
    kList,
    kMap,
    kTuple,
    kRow,
  };
  Kind kind = Kind::kAny;
  std::string name;  //!< as the user wrote it, for errors: "INT", "ROW<id INT, name STRING>"
  std::vector<std::string> field_names;
  std::vector<std::shared_ptr<const TypeSpec>> children;

  //! Compiles the description a TypeInformation gives (`TypeInformation._spec()`).
  static std::shared_ptr<const TypeSpec> from_python(const py::handle& description);
};
using TypeSpecPtr = std::shared_ptr<const TypeSpec>;

//! Encodes `value`; with `spec`, checks it against the declared type first and throws py::type_error /
//! py::value_error naming the type and the value when it does not fit.
void encode(DataOutput& out, py::handle value, const TypeSpec* spec = nullptr);
std::string encode_to_string(py::handle value, const TypeSpec* spec = nullptr);
//! The same, encoding into `scratch` (cleared first): no thread-local lookup, for per-record callers
//! that own a buffer.
inline std::string encode_to_string(DataOutput& scratch, py::handle value, const TypeSpec* spec) {
  scratch.clear();
  encode(scratch, value, spec);
  return scratch.str();
}
//! `value` as it reads after being written with `spec` and read back (what the next Python function of
//! a chain sees in PyFlink): rows get the declared field names, FLOAT is rounded to 32 bits, sequences
//! under TUPLE become tuples. Returns `value` itself when nothing changes (the common case, checked
//! without copying).
py::object normalize(py::handle value, const TypeSpec* spec);
//! True when normalize() can change values of this type (so chains skip it for the others).
bool needs_normalize(const TypeSpec* spec);

//! Decodes one value; throws SerializationError on malformed input.
py::object decode(DataInput& in);
py::object decode_string(std::string_view bytes);

//! Called once at import of weir.common with the Row class (and RowKind enum).
void register_row_type(py::handle row_class, py::handle row_kind_class);

}  // namespace weir::python

namespace weir::python {
//! Encodings that need no GIL (built-in sources): a Python int, a Python str.
std::string encode_int64(int64_t v);
std::string encode_utf8(std::string_view s);
//! The text of an encoded Python str; throws SerializationError for any other value.
std::string decode_utf8(std::string_view bytes);
//! A field of a plain tuple: None, str (or bytes) or int.
using PlainField = std::variant<std::monostate, std::string, int64_t>;
//! The fields of an encoded tuple of None, str, bytes and int values (what a Python preprocessing map hands
//! a C++ sink); throws SerializationError for anything else.
std::vector<PlainField> decode_plain_tuple(std::string_view bytes);
}  // namespace weir::python
