// Reading the JobManager's asynchronous operations (weir/client/rest_operation.h): the answers Flink's REST
// API gives, and answers a broken or hostile JobManager could give, each refused with an error naming it.
#include <functional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "weir/client/rest_operation.h"
#include "weir/common/error.h"

namespace weir::client {
namespace {

using Json = nlohmann::json;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const WeirError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RestOperation, TheRequestIdOfAnAcceptedTrigger) {
  EXPECT_EQ(operation_request_id(Json{{"request-id", "abc"}}, "the savepoint", "h:1"), "abc");
  for (const Json& bad : {Json(), Json::array(), Json{{"request-id", 7}}, Json{{"id", "abc"}}}) {
    std::string m = error_of([&] { operation_request_id(bad, "the savepoint", "h:1"); });
    EXPECT_NE(m.find("the savepoint: the JobManager at h:1 accepted it without a request-id"),
              std::string::npos)
        << bad.dump() << ": " << m;
  }
}

TEST(RestOperation, InProgressThenCompletedWithItsLocation) {
  EXPECT_FALSE(completed_operation(Json{{"status", {{"id", "IN_PROGRESS"}}}}, "the checkpoint", "h:1"));
  auto op = completed_operation(
      Json{{"status", {{"id", "COMPLETED"}}}, {"operation", {{"location", "file:///sp/1"}}}},
      "the checkpoint", "h:1");
  ASSERT_TRUE(op);
  EXPECT_EQ(operation_string(*op, "location", "the checkpoint", "h:1"), "file:///sp/1");
}

TEST(RestOperation, AFailedOperationThrowsItsCause) {
  std::string m = error_of([] {
    completed_operation(Json{{"status", {{"id", "COMPLETED"}}},
                             {"operation", {{"failure-cause", {{"stack-trace", "disk full"}}}}}},
                        "the savepoint of job j", "h:1");
  });
  EXPECT_EQ(m, "the savepoint of job j failed: disk full");
  // A cause that is not Flink's object is shown as it came.
  m = error_of([] {
    completed_operation(Json{{"status", {{"id", "COMPLETED"}}}, {"operation", {{"failure-cause", "boom"}}}},
                        "the savepoint", "h:1");
  });
  EXPECT_EQ(m, "the savepoint failed: \"boom\"");
}

TEST(RestOperation, MalformedAnswersAreNamed) {
  for (const Json& bad : {Json(), Json::array(), Json{{"status", "COMPLETED"}}, Json{{"status", {{"id", 3}}}},
                          Json{{"status", Json::object()}}}) {
    std::string m = error_of([&] { completed_operation(bad, "the checkpoint", "h:1"); });
    EXPECT_NE(m.find("the checkpoint: the JobManager at h:1 answered without the operation's status"),
              std::string::npos)
        << bad.dump() << ": " << m;
  }
  std::string m = error_of([] {
    completed_operation(Json{{"status", {{"id", "COMPLETED"}}}}, "the checkpoint", "h:1");
  });
  EXPECT_NE(m.find("completed it without an outcome"), std::string::npos) << m;
  m = error_of([] { operation_string(Json{{"location", 5}}, "location", "the savepoint", "h:1"); });
  EXPECT_NE(m.find("the savepoint: the JobManager at h:1 completed it without a location"), std::string::npos)
      << m;
}

}  // namespace
}  // namespace weir::client
