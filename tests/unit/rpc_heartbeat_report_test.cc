// A TaskManager's heartbeat report (HeartbeatResponse.attempts) is untrusted input: the JobManager validates
// it as a whole before reconciling with it (attempts_from_heartbeat). A report too long, with a job id that
// does not parse or with a negative number is refused with an error naming the entry; a valid one converts
// exactly.
#include <string>

#include <gtest/gtest.h>

#include "weir/cluster/rpc/proto_convert.h"
#include "weir/common/error.h"

namespace weir::cluster::rpc {
namespace {

std::string refusal(const weir::rpc::HeartbeatResponse& resp) {
  try {
    attempts_from_heartbeat(resp);
  } catch (const WeirError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(RpcHeartbeatReport, AValidReportConvertsEveryAttempt) {
  const JobId job = JobId::generate();
  weir::rpc::HeartbeatResponse resp;
  resp.set_known(true);
  to_proto(ExecutionAttemptId{job, 3, 1, 0}, resp.add_attempts());
  to_proto(ExecutionAttemptId{job, 4, 0, 2}, resp.add_attempts());
  auto got = attempts_from_heartbeat(resp);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (ExecutionAttemptId{job, 3, 1, 0}));
  EXPECT_EQ(got[1], (ExecutionAttemptId{job, 4, 0, 2}));
  EXPECT_TRUE(attempts_from_heartbeat(weir::rpc::HeartbeatResponse{}).empty());
}

TEST(RpcHeartbeatReport, AMalformedJobIdIsRefusedNamingTheEntry) {
  weir::rpc::HeartbeatResponse resp;
  to_proto(ExecutionAttemptId{JobId::generate(), 0, 0, 0}, resp.add_attempts());
  auto* bad = resp.add_attempts();
  bad->set_job_id("not-a-job-id" + std::string(10'000, 'x'));
  std::string why = refusal(resp);
  EXPECT_NE(why.find("task attempt 1 of the heartbeat: malformed job id 'not-a-job-id"), std::string::npos)
      << why;
  EXPECT_LT(why.size(), 300u) << "the error quotes a bounded part of the id";
}

TEST(RpcHeartbeatReport, NegativeNumbersAreRefused) {
  for (auto [attempt, vertex, subtask] : {std::tuple{-1, 0, 0}, std::tuple{0, -5, 0}, std::tuple{0, 0, -1}}) {
    weir::rpc::HeartbeatResponse resp;
    to_proto(ExecutionAttemptId{JobId::generate(), attempt, vertex, subtask}, resp.add_attempts());
    std::string why = refusal(resp);
    EXPECT_NE(why.find("task attempt 0 of the heartbeat"), std::string::npos) << why;
    EXPECT_NE(why.find("negative"), std::string::npos) << why;
  }
}

TEST(RpcHeartbeatReport, AnAbsurdCountIsRefused) {
  weir::rpc::HeartbeatResponse resp;
  const JobId job = JobId::generate();
  for (int i = 0; i <= kMaxHeartbeatAttempts; ++i)
    to_proto(ExecutionAttemptId{job, 0, 0, i}, resp.add_attempts());
  std::string why = refusal(resp);
  EXPECT_NE(why.find("reports 100001 task attempts, more than the 100000"), std::string::npos) << why;
}

}  // namespace
}  // namespace weir::cluster::rpc
