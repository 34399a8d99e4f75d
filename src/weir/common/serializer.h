#pragma once
// Serializer<T>: how a record type becomes bytes in network buffers and state snapshots.
// Built in: arithmetic types, bool, std::string, std::vector, std::optional, std::pair, std::tuple,
// std::map/std::unordered_map, and structs described with WEIR_STRUCT. A user type can also
// specialize weir::Serializer<T> with static write(DataOutput&, const T&) and read(DataInput&) -> T.
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "weir/common/data_io.h"
#include "weir/common/struct_fields.h"

namespace weir {

template <typename T, typename Enable = void>
struct Serializer;

//! Reads a value into `v`, reusing what `v` holds where the type allows it (a string's buffer, a vector's
//! elements, a described struct's fields): a reader that keeps one value across records allocates only
//! when a record outgrows the one before. Types without a read_into are read and move-assigned.
template <typename T>
void read_into(DataInput& in, T& v);

template <typename T>
concept Serializable = requires(DataOutput& out, DataInput& in, const T& v) {
  Serializer<T>::write(out, v);
  { Serializer<T>::read(in) } -> std::convertible_to<T>;
};

template <typename T>
struct Serializer<T, std::enable_if_t<std::is_arithmetic_v<T> || std::is_enum_v<T>>> {
  static void write(DataOutput& out, const T& v) { out.write_fixed(v); }
  static T read(DataInput& in) { return in.read_fixed<T>(); }
};

template <>
struct Serializer<std::string> {
  static void write(DataOutput& out, const std::string& v) { out.write_bytes(v); }
  static std::string read(DataInput& in) { return std::string(in.read_bytes()); }
  static void read_into(DataInput& in, std::string& v) { v.assign(in.read_bytes()); }
};

template <typename T>
struct Serializer<std::vector<T>> {
  static void write(DataOutput& out, const std::vector<T>& v) {
    out.write_varint(v.size());
    for (const auto& e : v) Serializer<T>::write(out, e);
  }
  static std::vector<T> read(DataInput& in) {
    uint64_t n = in.read_varint();
    if (n > in.remaining()) throw SerializationError("vector length exceeds the data");
    std::vector<T> v;
    v.reserve(n);
    for (uint64_t i = 0; i < n; ++i) v.push_back(Serializer<T>::read(in));
    return v;
  }
  static void read_into(DataInput& in, std::vector<T>& v) requires std::is_default_constructible_v<T> {
    uint64_t n = in.read_varint();
    if (n > in.remaining()) throw SerializationError("vector length exceeds the data");
    v.resize(n);
    for (auto& e : v) weir::read_into(in, e);
  }
};

template <typename T>
struct Serializer<std::optional<T>> {
  static void write(DataOutput& out, const std::optional<T>& v) {
    out.write_u8(v.has_value() ? 1 : 0);
    if (v) Serializer<T>::write(out, *v);
  }
  static std::optional<T> read(DataInput& in) {
    uint8_t tag = in.read_u8();
    if (tag > 1) throw SerializationError("bad optional tag");
    if (!tag) return std::nullopt;
    return Serializer<T>::read(in);
  }
};

template <typename A, typename B>
struct Serializer<std::pair<A, B>> {
  static void write(DataOutput& out, const std::pair<A, B>& v) {
    Serializer<A>::write(out, v.first);
    Serializer<B>::write(out, v.second);
  }
  static std::pair<A, B> read(DataInput& in) {
    A a = Serializer<A>::read(in);
    B b = Serializer<B>::read(in);
    return {std::move(a), std::move(b)};
  }
  static void read_into(DataInput& in, std::pair<A, B>& v) {
    weir::read_into(in, v.first);
    weir::read_into(in, v.second);
  }
};

template <typename... Ts>
struct Serializer<std::tuple<Ts...>> {
  static void write(DataOutput& out, const std::tuple<Ts...>& v) {
    std::apply([&](const auto&... e) { (Serializer<std::decay_t<decltype(e)>>::write(out, e), ...); }, v);
  }
  static std::tuple<Ts...> read(DataInput& in) {
    // Braced init guarantees left-to-right evaluation.
    return std::tuple<Ts...>{Serializer<Ts>::read(in)...};
  }
};

template <typename M>
struct MapSerializer {
  using K = typename M::key_type;
  using V = typename M::mapped_type;
  static void write(DataOutput& out, const M& m) {
    out.write_varint(m.size());
    for (const auto& [k, v] : m) {
      Serializer<K>::write(out, k);
      Serializer<V>::write(out, v);
    }
  }
  static M read(DataInput& in) {
    uint64_t n = in.read_varint();
    if (n > in.remaining()) throw SerializationError("map length exceeds the data");
    M m;
    for (uint64_t i = 0; i < n; ++i) {
      K k = Serializer<K>::read(in);
      m.emplace(std::move(k), Serializer<V>::read(in));
    }
    return m;
  }
};
template <typename K, typename V, typename C, typename A>
struct Serializer<std::map<K, V, C, A>> : MapSerializer<std::map<K, V, C, A>> {};
template <typename K, typename V, typename H, typename E, typename A>
struct Serializer<std::unordered_map<K, V, H, E, A>> : MapSerializer<std::unordered_map<K, V, H, E, A>> {};

template <DescribedStruct T>
struct Serializer<T> {
  static void write(DataOutput& out, const T& v) {
    std::apply([&](auto... m) { (Serializer<std::decay_t<decltype(v.*m)>>::write(out, v.*m), ...); },
               weir_struct_fields(static_cast<const T*>(nullptr)));
  }
  static T read(DataInput& in) {
    T v{};
    std::apply([&](auto... m) { ((v.*m = Serializer<std::decay_t<decltype(v.*m)>>::read(in)), ...); },
               weir_struct_fields(static_cast<const T*>(nullptr)));
    return v;
  }
  static void read_into(DataInput& in, T& v) {
    std::apply([&](auto... m) { (weir::read_into(in, v.*m), ...); },
               weir_struct_fields(static_cast<const T*>(nullptr)));
  }
};

template <typename T>
void read_into(DataInput& in, T& v) {
  if constexpr (requires { Serializer<T>::read_into(in, v); }) {
    Serializer<T>::read_into(in, v);
  } else {
    v = Serializer<T>::read(in);
  }
}

//! Convenience: serialize one value into a fresh string (cold paths and tests).
template <typename T>
std::string serialize_to_string(const T& v) {
  DataOutput out;
  Serializer<T>::write(out, v);
  return out.str();
}
template <typename T>
T deserialize_from_string(std::string_view s) {
  DataInput in(s);
  T v = Serializer<T>::read(in);
  if (!in.at_end()) throw SerializationError("trailing bytes after value");
  return v;
}

}  // namespace weir
