// REST's triggered operations are bounded (issue 12): a finished operation's outcome is kept for
// rest.async.store-duration and then forgotten, so a client that triggers many and never asks does not make
// the JobManager grow; one still in progress is never dropped; at most kMaxWaiters waiter threads run, a
// further trigger is refused (429). A bad rest.async.store-duration is refused naming the key.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "weir/cluster/rest/async_operations.h"
#include "weir/cluster/rest/rest_options.h"
#include "weir/cluster/rest/rest_request.h"
#include "weir/common/config.h"
#include "weir/common/error.h"

namespace weir {
namespace {

using cluster::rest::AsyncOperations;
using cluster::rest::OperationKind;
using namespace std::chrono_literals;

std::future<std::string> ready(const std::string& v) {
  std::promise<std::string> p;
  p.set_value(v);
  return p.get_future();
}

TEST(AsyncOperations, FinishedOutcomesExpireAfterTheStoreDurationAndRunningOnesStay) {
  std::atomic<int64_t> now{1'000'000};
  AsyncOperations ops(5min, [&] { return now.load(); });
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(ops.add(OperationKind::kSavepoint, "job", ready("/sp")));
  std::promise<std::string> running;
  const std::string slow = ops.add(OperationKind::kCheckpoint, "job", running.get_future());
  EXPECT_EQ(ops.size(), 51u);
  now += std::chrono::milliseconds(5min).count() - 1;
  ASSERT_TRUE(ops.status(ids.front()));
  EXPECT_EQ(ops.status(ids.front())->result, "/sp");
  now += 1;
  EXPECT_FALSE(ops.status(ids.front())) << "kept past rest.async.store-duration";
  EXPECT_EQ(ops.size(), 1u);  // the one still running stays, however long it takes
  now += std::chrono::milliseconds(1h).count();
  ASSERT_TRUE(ops.status(slow));
  EXPECT_FALSE(ops.status(slow)->done);
  running.set_value("chk-9");
  ASSERT_TRUE(ops.status(slow));
  EXPECT_EQ(ops.status(slow)->result, "chk-9");
  now += std::chrono::milliseconds(5min).count();
  EXPECT_FALSE(ops.status(slow));
  EXPECT_EQ(ops.size(), 0u);
}

TEST(AsyncOperations, AtMostKMaxWaitersRunAtOnce) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  {
    AsyncOperations ops;
    auto work = [&](const std::atomic<bool>&) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return release; });
      return std::string("done");
    };
    std::vector<std::string> ids;
    for (size_t i = 0; i < AsyncOperations::kMaxWaiters; ++i)
      ids.push_back(ops.run(OperationKind::kCheckpoint, "job", work));
    try {
      ops.run(OperationKind::kCheckpoint, "job", work);
      FAIL() << "a trigger beyond kMaxWaiters was accepted";
    } catch (const cluster::rest::RestError& e) {
      EXPECT_EQ(e.status(), 429);
      EXPECT_NE(std::string(e.what()).find("in progress"), std::string::npos) << e.what();
    }
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
  }  // joins the waiters
}

TEST(AsyncOperations, ABadStoreDurationIsRefusedNamingTheKey) {
  Configuration conf;
  EXPECT_EQ(conf.get_duration(options::kRestAsyncStoreDuration), std::chrono::milliseconds(5min));
  try {
    conf.set(options::kRestAsyncStoreDuration.key(), "soon");
    FAIL() << "accepted";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("rest.async.store-duration"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace weir
