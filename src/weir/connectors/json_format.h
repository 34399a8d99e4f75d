#pragma once
// JSON text for records: append_json(out, v) writes numbers, strings (escaped), bools, optionals (null when
// empty) and WEIR_STRUCT structs as objects keyed by their field names. Doubles use the shortest text that
// reads back to the same value and always look like doubles ("908.0", not "908"). Appends to a caller's
// buffer: a sink reuses one string for every record.
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "weir/common/struct_fields.h"

namespace weir::connectors {

inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the pending run of characters that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

template <typename T>
void append_json(std::string& out, const T& v);

template <typename T>
inline constexpr bool kIsOptional = false;
template <typename T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

//! The fields of a described struct as `"name":value` pairs, without braces.
template <DescribedStruct T>
void append_json_fields(std::string& out, const T& v) {
  const char* const* names = weir_struct_names(static_cast<const T*>(nullptr));
  size_t i = 0;
  std::apply(
      [&](auto... m) {
        ((out += (i ? ",\"" : "\""), out += names[i], out += "\":", append_json(out, v.*m), ++i), ...);
      },
      weir_struct_fields(static_cast<const T*>(nullptr)));
}

template <typename T>
void append_json(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(v)) {  // JSON has no literal for NaN or infinity
      out += "null";
      return;
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    std::string_view s(buf, end - buf);
    out += s;
    if (s.find_first_of(".e") == std::string_view::npos) out += ".0";
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    append_json_string(out, v);
  } else if constexpr (kIsOptional<T>) {  // SQL's NULL
    if (v)
      append_json(out, *v);
    else
      out += "null";
  } else if constexpr (DescribedStruct<T>) {
    out += '{';
    append_json_fields(out, v);
    out += '}';
  } else {
    static_assert(sizeof(T) == 0, "no JSON format for this type: describe it with WEIR_STRUCT");
  }
}

}  // namespace weir::connectors
