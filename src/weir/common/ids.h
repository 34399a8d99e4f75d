#pragma once
// Strongly typed identifiers: a JobId is not a VertexId is not a SubtaskIndex.
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace weir {

template <typename Tag, typename Rep>
class StrongId {
 public:
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  Rep v_{};
};

struct VertexIdTag {};
struct SubtaskIndexTag {};
struct KeyGroupTag {};
struct NodeIdTag {};

using VertexId = StrongId<VertexIdTag, int32_t>;
using NodeId = StrongId<NodeIdTag, int32_t>;
using SubtaskIndex = StrongId<SubtaskIndexTag, int32_t>;

//! A 128-bit random id shown as 32 hex digits, like Flink's JobID.
class JobId {
 public:
  JobId() = default;
  JobId(uint64_t hi, uint64_t lo) : hi_(hi), lo_(lo) {}
  static JobId generate() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return JobId(rng(), rng());
  }
  std::string to_string() const { return fmt::format("{:016x}{:016x}", hi_, lo_); }
  //! The inverse of to_string(): exactly 32 hex digits; nullopt for anything else.
  static std::optional<JobId> parse(std::string_view text) {
    if (text.size() != 32) return std::nullopt;
    uint64_t part[2] = {0, 0};
    for (size_t i = 0; i < 32; ++i) {
      char c = text[i];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return std::nullopt;
      part[i / 16] = part[i / 16] << 4 | static_cast<uint64_t>(d);
    }
    return JobId(part[0], part[1]);
  }
  auto operator<=>(const JobId&) const = default;
  uint64_t hi() const { return hi_; }
  uint64_t lo() const { return lo_; }

 private:
  uint64_t hi_ = 0;
  uint64_t lo_ = 0;
};

}  // namespace weir

template <typename Tag, typename Rep>
struct std::hash<weir::StrongId<Tag, Rep>> {
  size_t operator()(const weir::StrongId<Tag, Rep>& id) const { return std::hash<Rep>()(id.value()); }
};
template <>
struct std::hash<weir::JobId> {
  size_t operator()(const weir::JobId& id) const { return id.hi() ^ (id.lo() * 0x9E3779B97F4A7C15ULL); }
};
