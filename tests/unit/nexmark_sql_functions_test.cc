// The SQL functions behind q10, q14, q15, q16, q21 and q22 (src/weir/nexmark/string_functions.h and
// time_format.h), on the edge cases the generated events never reach, against what Flink's functions
// return; and JSON's null for an empty optional (q22's NULL directories).
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "weir/connectors/json_format.h"
#include "weir/nexmark/string_functions.h"
#include "weir/nexmark/time_format.h"

namespace weir::nexmark {
namespace {

//! SPLIT_INDEX(s, '/', i) through split_first, as the query uses it.
std::optional<std::string> split_index(std::string_view s, size_t i) {
  std::array<std::string_view, 6> pieces;
  size_t n = split_first(s, '/', pieces);
  if (i >= n) return std::nullopt;
  return std::string(pieces[i]);
}

TEST(NexmarkSqlFunctions, SplitIndexKeepsEmptyPiecesAndIsNullPastTheEnd) {
  std::string url = "https://www.nexmark.com/abcde/fghij/klmno/item.htm?query=1";
  EXPECT_EQ(split_index(url, 0), "https:");
  EXPECT_EQ(split_index(url, 1), "");
  EXPECT_EQ(split_index(url, 2), "www.nexmark.com");
  EXPECT_EQ(split_index(url, 3), "abcde");
  EXPECT_EQ(split_index(url, 5), "klmno");  // stops at the next separator, not at the end
  EXPECT_EQ(split_index("a/b", 1), "b");
  EXPECT_EQ(split_index("a/b", 2), std::nullopt);
  EXPECT_EQ(split_index("a/b/", 2), "");        // a trailing separator ends in an empty piece
  EXPECT_EQ(split_index("", 0), std::nullopt);  // Flink: no pieces at all
}

TEST(NexmarkSqlFunctions, ChannelIdIsExtractedOnlyAtTheStartOrAfterAnAmpersand) {
  EXPECT_EQ(extract_channel_id("https://x/item.htm?query=1&channel_id=42"), "42");
  EXPECT_EQ(extract_channel_id("channel_id=7&a=1"), "7");
  EXPECT_EQ(extract_channel_id("a=1&channel_id=&b=2"), "");  // matched, empty: not NULL
  EXPECT_EQ(extract_channel_id("https://x/item.htm?query=1"), std::nullopt);
  EXPECT_EQ(extract_channel_id("?channel_id=5"), std::nullopt);      // after '?': no match
  EXPECT_EQ(extract_channel_id("xchannel_id=5&channel_id=6"), "6");  // the first that qualifies
}

TEST(NexmarkSqlFunctions, LowerEqualsAndCountChar) {
  EXPECT_TRUE(lower_equals("Google", "google"));
  EXPECT_TRUE(lower_equals("BAIDU", "baidu"));
  EXPECT_FALSE(lower_equals("Googles", "google"));
  EXPECT_FALSE(lower_equals("channel-1", "apple"));
  EXPECT_EQ(count_char("abcabcc", 'c'), 3);
  EXPECT_EQ(count_char("", 'c'), 0);
}

TEST(NexmarkSqlFunctions, CalendarFieldsAreUtcAlsoBefore1970) {
  // 2026-12-04 15:40:59.999 UTC
  Timestamp t = 1796398859999;
  EXPECT_EQ(format_day(day_number(t)), "2026-12-04");
  EXPECT_EQ(hour_of_day(t), 15);
  EXPECT_EQ(format_hour_minute(minute_number(t) - day_number(t) * 24 * 60), "15:40");
  EXPECT_EQ(format_day(day_number(0)), "1970-01-01");
  EXPECT_EQ(format_day(day_number(-1)), "1969-12-31");
  EXPECT_EQ(hour_of_day(-1), 23);
  EXPECT_EQ(format_hour_minute(minute_number(-1) - day_number(-1) * 24 * 60), "23:59");
  EXPECT_EQ(format_day(day_number(951782400000)), "2000-02-29");
}

TEST(NexmarkSqlFunctions, AnEmptyOptionalIsJsonNull) {
  std::string out;
  connectors::append_json(out, std::optional<std::string>());
  out += ',';
  connectors::append_json(out, std::optional<std::string>("a\"b"));
  out += ',';
  connectors::append_json(out, std::optional<int64_t>(5));
  EXPECT_EQ(out, "null,\"a\\\"b\",5");
}

}  // namespace
}  // namespace weir::nexmark
