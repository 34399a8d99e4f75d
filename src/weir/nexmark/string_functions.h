#pragma once
// The SQL string functions the Nexmark queries use, on string_views (no allocation): Flink's
// SPLIT_INDEX, REGEXP_EXTRACT of q21's channel_id pattern, LOWER(s) = literal, and q14's count_char UDF.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace weir::nexmark {

//! Flink's SPLIT_INDEX(s, sep, i) for i = 0 ... N-1 at once, in one pass over the characters they span:
//! the pieces of `s` split at every `sep`, empty pieces kept. Returns how many exist (up to N): pieces[i]
//! below that is SPLIT_INDEX(s, sep, i); from there on SPLIT_INDEX is NULL. An empty `s` has no pieces
//! (Flink splits it into none, so even SPLIT_INDEX('', sep, 0) is NULL).
template <size_t N>
size_t split_first(std::string_view s, char sep, std::array<std::string_view, N>& pieces) {
  if (s.empty()) return 0;
  size_t n = 0;
  const char* p = s.data();
  const char* const end = p + s.size();
  while (n < N) {
    const auto* hit = static_cast<const char*>(std::memchr(p, sep, static_cast<size_t>(end - p)));
    if (!hit) break;
    pieces[n++] = std::string_view(p, static_cast<size_t>(hit - p));
    p = hit + 1;
  }
  if (n < N) pieces[n++] = std::string_view(p, static_cast<size_t>(end - p));
  return n;
}

//! REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2): the value of the first `channel_id=` that starts
//! the string or follows a '&', up to the next '&'; nullopt (SQL NULL) when there is none.
inline std::optional<std::string_view> extract_channel_id(std::string_view url) {
  constexpr std::string_view kKey = "channel_id=";
  for (size_t p = url.find(kKey); p != std::string_view::npos; p = url.find(kKey, p + 1)) {
    if (p != 0 && url[p - 1] != '&') continue;
    size_t start = p + kKey.size();
    size_t end = url.find('&', start);
    return url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  }
  return std::nullopt;
}

//! LOWER(s) = lower_literal, for an ASCII lower-case literal.
inline bool lower_equals(std::string_view s, std::string_view lower_literal) {
  if (s.size() != lower_literal.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_literal[i]) return false;
  }
  return true;
}

//! Nexmark's count_char UDF: how many bytes of `s` equal `c`.
inline int64_t count_char(std::string_view s, char c) {
  int64_t n = 0;
  for (char x : s) n += x == c;
  return n;
}

}  // namespace weir::nexmark
