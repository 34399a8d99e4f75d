#pragma once
// The SQL string functions the Nexmark queries use, on string_views (no allocation): Flink's
// SPLIT_INDEX, REGEXP_EXTRACT of q21's channel_id pattern, LOWER(s) = literal, and q14's count_char UDF.
#include <cstdint>
#include <optional>
#include <string_view>

namespace weir::nexmark {

//! SPLIT_INDEX(s, sep, index): the index-th (0-based) piece of `s` split at every `sep`, empty pieces
//! kept; nullopt (SQL NULL) when there are fewer pieces or index < 0.
inline std::optional<std::string_view> split_index(std::string_view s, char sep, int index) {
  if (index < 0) return std::nullopt;
  size_t start = 0;
  for (int i = 0; i < index; ++i) {
    size_t next = s.find(sep, start);
    if (next == std::string_view::npos) return std::nullopt;
    start = next + 1;
  }
  size_t end = s.find(sep, start);
  return s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
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
