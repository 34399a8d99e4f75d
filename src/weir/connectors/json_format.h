#pragma once
// JSON text for records: append_json(out, v) writes numbers, strings (escaped), bools, optionals (null when
// empty) and WEIR_STRUCT structs as objects keyed by their field names. Doubles use the shortest text that
// reads back to the same value and always look like doubles ("908.0", not "908"). Appends to a caller's
// buffer: a sink reuses one string for every record.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "weir/common/struct_fields.h"

namespace weir::connectors {

namespace detail {
//! True when one of the 8 bytes of `w` must be escaped in a JSON string: '"', '\\' or a control
//! character (< 0x20). Bytes >= 0x80 (UTF-8) pass. Bit tricks on the whole word: a false positive
//! only in a word that has a true one, and callers then look at its bytes one by one.
inline bool json_escape_in_word(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  auto zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const uint64_t quote = zero_byte(w ^ (kOnes * '"'));
  const uint64_t backslash = zero_byte(w ^ (kOnes * '\\'));
  const uint64_t control = (w - kOnes * 0x20) & ~w & kHighs;
  return (quote | backslash | control) != 0;
}
}  // namespace detail

//! Appends `s` as a JSON string: quoted, with '"', '\\' and control characters escaped. Runs of
//! characters that need no escaping (nearly all of them) are found 8 bytes at a time and copied whole.
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char* p = s.data();
  const size_t n = s.size();
  out += '"';
  size_t run = 0;  // start of the pending run of characters that need no escaping
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (!detail::json_escape_in_word(w)) {
        i += 8;
        continue;
      }
    }
    for (const size_t word_end = std::min(n, i + 8); i < word_end; ++i) {
      const auto c = static_cast<unsigned char>(p[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.append(p + run, i - run);
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
  }
  out.append(p + run, n - run);
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
  // Each field's `"name":` (with the comma before all but the first), made once per type.
  static const std::vector<std::string> keys = [] {
    const char* const* names = weir_struct_names(static_cast<const T*>(nullptr));
    std::vector<std::string> k(
        std::tuple_size_v<decltype(weir_struct_fields(static_cast<const T*>(nullptr)))>);
    for (size_t i = 0; i < k.size(); ++i) k[i] = std::string(i ? ",\"" : "\"") + names[i] + "\":";
    return k;
  }();
  size_t i = 0;
  std::apply([&](auto... m) { ((out += keys[i], append_json(out, v.*m), ++i), ...); },
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
