// RestServer's request handling: path parameters, query parameters and JSON bodies reach handlers
// (over HTTP on loopback and through dispatch()); a malformed body or a missing or mistyped field is
// a 400 naming it; RestError picks the status; unknown paths stay 404 and wrong methods 405.
#include <string>

#include <gtest/gtest.h>

#include "weir/client/rest_client.h"
#include "weir/cluster/rest/rest_server.h"
#include "weir/common/error.h"

namespace weir::cluster::rest {
namespace {

using Json = nlohmann::json;
using weir::client::RestClient;
using weir::client::RestReply;

// Echoes what the handler saw.
void add_echo_routes(RestServer& s) {
  s.add_route("POST", "/things/:id", [](const RestRequest& req) {
    Json body = req.json_body();
    Json out{{"id", req.params.at("id")},
             {"query", req.query},
             {"name", required_string_field(body, "name")},
             {"flag", bool_field(body, "flag").value_or(false)}};
    if (auto note = string_field(body, "note")) out["note"] = *note;
    return RestResponse::json(out);
  });
  s.add_route("GET", "/things/:id", [](const RestRequest& req) {
    if (req.params.at("id") == "locked") throw RestError(409, "thing locked is locked");
    return RestResponse::json(Json{{"id", req.params.at("id")}, {"query", req.query}});
  });
}

TEST(RestServer, QueryAndBodyReachHandlersOverHttp) {
  RestServer server;
  add_echo_routes(server);
  server.start("127.0.0.1", 0, "test");
  RestClient client(server.address());

  auto r = client.post("/things/7?mode=cancel&x=a%20b&mode=second",
                       Json{{"name", "seven"}, {"flag", true}, {"note", nullptr}});
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(
      r.body,
      (Json{{"id", "7"}, {"query", {{"mode", "cancel"}, {"x", "a b"}}}, {"name", "seven"}, {"flag", true}}));

  r = client.get("/things/8?verbose");
  EXPECT_EQ(r.body, (Json{{"id", "8"}, {"query", {{"verbose", ""}}}}));

  r = client.get("/things/locked");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_message(), "thing locked is locked");

  // Routing rules are unchanged: unknown path 404, a known path with another method 405.
  r = client.get("/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_message(), "not found: /nothing/here");
  r = client.patch("/things/7");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.error_message(), "method PATCH not allowed for /things/7 (allowed: POST, GET)");
  server.stop();
}

TEST(RestServer, BadBodiesAreBadRequestsNamingTheProblem) {
  RestServer server;
  add_echo_routes(server);
  auto error_of = [&](const std::string& body) {
    RestResponse r = server.dispatch("POST", "/things/1", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    return Json::parse(r.body)["errors"][0].get<std::string>();
  };
  EXPECT_EQ(error_of("{\"name\": "), "the request body is not valid JSON");
  EXPECT_EQ(error_of("\"name\""), "the request body must be a JSON object, not string");
  EXPECT_EQ(error_of(""), "missing field 'name'");
  EXPECT_EQ(error_of("{}"), "missing field 'name'");
  EXPECT_EQ(error_of("{\"name\": 3}"), "field 'name' must be a string, not number");
  EXPECT_EQ(error_of("{\"name\": \"n\", \"flag\": \"yes\"}"),
            "field 'flag' must be true or false, not string");
  EXPECT_EQ(error_of("{\"name\": \"n\", \"note\": [1]}"), "field 'note' must be a string, not array");
  EXPECT_EQ(server.dispatch("POST", "/things/1", "{\"name\": \"n\"}").status, 200);
}

TEST(RestServer, QueryStringsAreDecoded) {
  EXPECT_EQ(
      parse_query("a=1&b=x%2Fy+z&c&a=2&=v&d=%zz"),
      (std::map<std::string, std::string>{{"a", "1"}, {"b", "x/y z"}, {"c", ""}, {"", "v"}, {"d", "%zz"}}));
}

TEST(RestClient, UnreachableAndBadAddressesNameTheAddress) {
  // A port nothing listens on: bind one, note it, stop it.
  RestServer s;
  s.start("127.0.0.1", 0, "test");
  std::string address = s.address();
  s.stop();
  RestClient client(address, std::chrono::seconds(2));
  try {
    client.get("/overview");
    FAIL() << "no error for an unreachable JobManager";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot reach the JobManager's REST API at " + address),
              std::string::npos)
        << e.what();
  }
  for (std::string bad : {"localhost", "localhost:", "localhost:http", ":8081", "h:70000"}) {
    try {
      RestClient c(bad);
      FAIL() << "accepted " << bad;
    } catch (const WeirError& e) {
      EXPECT_NE(std::string(e.what()).find("bad JobManager address '" + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace weir::cluster::rest
