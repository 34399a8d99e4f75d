#pragma once
// to_display_string(v): how print() and text sinks show a record. Tuples print as (a,b) like Flink,
// described structs as Name{field=value, ...}.
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "weir/common/struct_fields.h"

namespace weir {

template <typename T>
void append_display(std::string& out, const T& v);

namespace detail {
template <typename T>
concept Streamable = requires(std::ostream& os, const T& v) {
  os << v;
};
template <typename T>
struct IsVector : std::false_type {};
template <typename T, typename A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <typename T>
struct IsTupleLike : std::false_type {};
template <typename... Ts>
struct IsTupleLike<std::tuple<Ts...>> : std::true_type {};
template <typename A, typename B>
struct IsTupleLike<std::pair<A, B>> : std::true_type {};
}  // namespace detail

template <typename T>
void append_display(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    out += v;
  } else if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    std::ostringstream os;
    os << v;
    out += os.str();
  } else if constexpr (detail::IsVector<T>::value) {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ", ";
      append_display(out, v[i]);
    }
    out += ']';
  } else if constexpr (detail::IsOptional<T>::value) {
    if (v)
      append_display(out, *v);
    else
      out += "null";
  } else if constexpr (detail::IsTupleLike<T>::value) {
    out += '(';
    bool first = true;
    std::apply(
        [&](const auto&... e) { ((out += first ? "" : ",", first = false, append_display(out, e)), ...); },
        v);
    out += ')';
  } else if constexpr (DescribedStruct<T>) {
    const char* const* names = weir_struct_names(static_cast<const T*>(nullptr));
    out += weir_struct_name(static_cast<const T*>(nullptr));
    out += '{';
    size_t i = 0;
    std::apply(
        [&](auto... m) {
          ((out += (i ? ", " : ""), out += names[i], out += '=', append_display(out, v.*m), ++i), ...);
        },
        weir_struct_fields(static_cast<const T*>(nullptr)));
    out += '}';
  } else if constexpr (detail::Streamable<T>) {
    std::ostringstream os;
    os << v;
    out += os.str();
  } else {
    static_assert(sizeof(T) == 0,
                  "no display format for this type: describe it with WEIR_STRUCT or give it operator<<");
  }
}

template <typename T>
std::string to_display_string(const T& v) {
  std::string s;
  append_display(s, v);
  return s;
}

}  // namespace weir
