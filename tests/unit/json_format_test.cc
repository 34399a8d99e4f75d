#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "weir/common/struct_fields.h"
#include "weir/connectors/json_format.h"

namespace weir::connectors {
namespace {

// JSON string escaping as RFC 8259 states it, one character at a time: the reference the word-at-a-time
// scan of append_json_string must equal.
std::string reference_json_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

TEST(JsonFormat, StringsAreEscapedWhereverTheCharacterFallsInAWord) {
  // Every byte value at every position of strings up to five words long, alone and among others.
  for (size_t len = 0; len <= 40; ++len) {
    for (size_t pos = 0; pos < std::max<size_t>(len, 1); ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, 'a');
        if (len) s[pos] = static_cast<char>(b);
        std::string out;
        append_json_string(out, s);
        ASSERT_EQ(out, reference_json_string(s)) << "length " << len << " byte " << b << " at " << pos;
      }
    }
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 100, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 'a' + rng() % 26);
    std::string out = "prefix";
    append_json_string(out, s);
    ASSERT_EQ(out, "prefix" + reference_json_string(s));
  }
}

struct Row {
  int64_t id = 0;
  std::string name;
  double price = 0;
  bool active = false;
};
WEIR_STRUCT(Row, id, name, price, active)

TEST(JsonFormat, StructsAreObjectsKeyedByFieldNames) {
  std::string out;
  append_json(out, Row{7, "a\"b", 908.0, true});
  EXPECT_EQ(out, R"({"id":7,"name":"a\"b","price":908.0,"active":true})");
  out.clear();
  append_json(out, Row{});
  EXPECT_EQ(out, R"({"id":0,"name":"","price":0.0,"active":false})");
}

}  // namespace
}  // namespace weir::connectors
