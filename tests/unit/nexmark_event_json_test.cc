// The JSON of Nexmark events (weir/nexmark/event_json.h): what nexmark-gen writes reads back to the same
// event; any JSON object with the fields is read (order, whitespace, escapes, unknown keys); bad input names
// the problem.
#include <gtest/gtest.h>

#include <string>

#include "weir/common/error.h"
#include "weir/connectors/nexmark/generator.h"
#include "weir/nexmark/event_json.h"

namespace weir::nexmark {
namespace {

namespace nx = connectors::nexmark;

nx::Event parse(const std::string& json) {
  nx::Event e;
  parse_event_json(json, e);
  return e;
}

std::string error_of(const std::string& json) {
  try {
    parse(json);
  } catch (const SerializationError& e) {
    return e.what();
  }
  return "no error";
}

TEST(NexmarkEventJsonTest, GeneratedEventsReadBackEqual) {
  nx::GeneratorConfig config;
  config.seed = 7;
  config.events = 5000;
  nx::NexmarkGenerator gen(config);
  int kinds[3] = {0, 0, 0};
  nx::Event e;
  for (int64_t n = 0; n < config.events; ++n) {
    gen.generate(n, e);
    std::string json;
    append_event_json(json, e);
    nx::Event back;
    back.bid.extra = "left over from an earlier record";  // a reused event: every field is overwritten
    parse_event_json(json, back);
    ASSERT_EQ(back, e) << json;
    ++kinds[static_cast<int>(e.kind)];
  }
  EXPECT_GT(kinds[0], 0);
  EXPECT_GT(kinds[1], 0);
  EXPECT_GT(kinds[2], 0);
}

TEST(NexmarkEventJsonTest, AnyJsonObjectWithTheFields) {
  nx::Event e = parse(
      " { \"extra\" : \"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\", \"price\":-5, \"unknown\": {\"x\": [1, "
      "2.5e3, "
      "\"s\", null, true]},\n \"auction\":1, \"bidder\":2, \"channel\":\"\", \"url\":\"u\", \"dateTime\":3, "
      "\"type\":\"bid\" } ");
  ASSERT_TRUE(e.is_bid());
  EXPECT_EQ(e.bid.auction, 1);
  EXPECT_EQ(e.bid.bidder, 2);
  EXPECT_EQ(e.bid.price, -5);
  EXPECT_EQ(e.bid.channel, "");
  EXPECT_EQ(e.bid.url, "u");
  EXPECT_EQ(e.bid.dateTime, 3);
  EXPECT_EQ(e.bid.extra, "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80");
  nx::Event p = parse(
      R"({"type":"person","id":9,"name":"n","emailAddress":"e","creditCard":"c","city":"x","state":"OR",)"
      R"("dateTime":1,"extra":"","more":false})");
  ASSERT_TRUE(p.is_person());
  EXPECT_EQ(p.person.state, "OR");
}

TEST(NexmarkEventJsonTest, BadInputNamesTheProblem) {
  EXPECT_NE(error_of("not json").find("not a JSON Nexmark event"), std::string::npos);
  EXPECT_NE(error_of("{}").find("no \"type\""), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"sale"})").find("unknown \"type\" 'sale'"), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"bid","auction":1})").find("no field 'bidder'"), std::string::npos);
  EXPECT_NE(
      error_of(R"({"type":"bid","auction":"1"})").find("field 'auction' of the event is not an integer"),
      std::string::npos);
  EXPECT_NE(
      error_of(R"({"type":"bid","auction":1.5})").find("field 'auction' of the event is not an integer"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"type":"bid","extra":"\q"})").find("bad escape"), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"bid","extra":"open)").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"bid","extra":"\ud800"})").find("unpaired surrogate"), std::string::npos);
  std::string full =
      R"({"type":"bid","auction":1,"bidder":2,"price":3,"channel":"c","url":"u","dateTime":4,"extra":"x"})";
  EXPECT_EQ(error_of(full), "no error");
  EXPECT_NE(error_of(full + " {}").find("text after the object"), std::string::npos);
  EXPECT_NE(error_of(full.substr(0, full.size() - 1)).find("expected '}'"), std::string::npos);
}

}  // namespace
}  // namespace weir::nexmark
