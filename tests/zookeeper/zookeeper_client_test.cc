// The ZooKeeper C client's wrapper against a real server: operations and their errors, watches, multi-ops,
// and the connection states a paused, restarted or expiring server causes.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "ha_test_support.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha {
namespace {

using namespace testing;

TEST(ZooKeeperClientTest, CreateGetSetDeleteChildren) {
  auto zk = connect();
  std::string root = test_root();
  zk->create_parents(root);
  EXPECT_EQ(zk->create(root + "/a", "one", CreateMode::kPersistent), root + "/a");
  auto got = zk->get(root + "/a");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "one");
  EXPECT_EQ(got->second.version, 0);
  EXPECT_EQ(got->second.ephemeral_owner, 0);

  NodeStat st = zk->set(root + "/a", "two", 0);
  EXPECT_EQ(st.version, 1);
  try {
    zk->set(root + "/a", "three", 0);
    FAIL() << "a stale version was accepted";
  } catch (const ZooKeeperError& e) {
    EXPECT_TRUE(e.bad_version());
    EXPECT_NE(std::string(e.what()).find(root + "/a"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ZBADVERSION"), std::string::npos) << e.what();
  }

  std::string big(300 * 1024, 'x');  // larger than the first read buffer
  zk->set(root + "/a", big);
  EXPECT_EQ(zk->get(root + "/a")->first, big);

  std::string seq = zk->create(root + "/s-", "", CreateMode::kEphemeralSequential);
  EXPECT_EQ(seq, root + "/s-0000000001");
  EXPECT_EQ(zk->get(seq)->second.ephemeral_owner, zk->session_id());
  auto kids = zk->children(root);
  std::sort(kids.begin(), kids.end());
  EXPECT_EQ(kids, (std::vector<std::string>{"a", "s-0000000001"}));

  try {
    zk->create(root + "/missing/child", "", CreateMode::kPersistent);
    FAIL();
  } catch (const ZooKeeperError& e) {
    EXPECT_TRUE(e.no_node());
    EXPECT_NE(std::string(e.what()).find("ZNONODE"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(root + "/missing/child"), std::string::npos) << e.what();
  }
  try {
    zk->remove(root);
    FAIL();
  } catch (const ZooKeeperError& e) {
    EXPECT_TRUE(e.not_empty()) << e.what();
  }
  zk->remove(root + "/a");
  EXPECT_FALSE(zk->get(root + "/a"));
  EXPECT_FALSE(zk->exists(root + "/a"));
  zk->remove_recursive(root);
  EXPECT_FALSE(zk->exists(root));
  zk->remove_recursive(root);  // a missing node is fine
}

TEST(ZooKeeperClientTest, WatchesFireOnceOnTheEventThread) {
  auto zk = connect();
  std::string root = test_root();
  zk->create_parents(root);
  Awaiter log;
  bool on_event_thread = false;
  EXPECT_FALSE(zk->exists(root + "/n", [&](const WatchEvent& ev) {
    on_event_thread = zk->in_event_thread();
    log.record("created " + ev.path);
  }));
  zk->children(root, [&](const WatchEvent& ev) { log.record("children " + ev.path); });
  zk->create(root + "/n", "", CreateMode::kEphemeral);
  ASSERT_TRUE(log.wait_for("created " + root + "/n"));
  ASSERT_TRUE(log.wait_for("children " + root));
  EXPECT_TRUE(on_event_thread);

  zk->get(root + "/n", [&](const WatchEvent& ev) {
    log.record(ev.type == WatchEventType::kDeleted ? "deleted" : "changed");
    // A watch may call the client: here it reads what changed.
    log.record(zk->exists(root + "/n") ? "still there" : "gone");
  });
  zk->remove(root + "/n");
  ASSERT_TRUE(log.wait_for("gone"));
  zk->create(root + "/n", "", CreateMode::kEphemeral);
  zk->remove(root + "/n");
  // One-shot: each watch fired exactly once. A barrier through the event thread flushes what is queued.
  zk->run_on_event_thread([] {});
  EXPECT_EQ(log.count("created " + root + "/n"), 1u);
  EXPECT_EQ(log.count("deleted"), 1u);
  zk->remove_recursive(root);
}

// A watch that throws loses its own event, not the client: the event thread logs it and goes on, so later
// watches still fire (before, the exception ended the process).
TEST(ZooKeeperClientTest, AWatchThatThrowsLeavesTheEventThreadRunning) {
  auto zk = connect();
  std::string root = test_root();
  zk->create_parents(root);
  Awaiter log;
  EXPECT_FALSE(zk->exists(root + "/bad", [&](const WatchEvent&) {
    log.record("bad fired");
    throw std::runtime_error("a watch's bug");
  }));
  EXPECT_FALSE(zk->exists(root + "/good", [&](const WatchEvent& ev) { log.record("created " + ev.path); }));
  zk->create(root + "/bad", "", CreateMode::kEphemeral);
  ASSERT_TRUE(log.wait_for("bad fired"));
  zk->create(root + "/good", "", CreateMode::kEphemeral);
  ASSERT_TRUE(log.wait_for("created " + root + "/good"));
  zk->remove_recursive(root);
}

TEST(ZooKeeperClientTest, MultiOpIsAllOrNothingAndNamesTheFailedOp) {
  auto zk = connect();
  std::string root = test_root();
  zk->create_parents(root);
  zk->create(root + "/guard", "", CreateMode::kEphemeral);
  auto paths = zk->multi({ZooKeeperOp::check(root + "/guard"), ZooKeeperOp::create(root + "/x", "1"),
                          ZooKeeperOp::create(root + "/q-", "", CreateMode::kPersistentSequential)});
  EXPECT_EQ(paths[1], root + "/x");
  EXPECT_EQ(paths[2], root + "/q-0000000002");
  zk->remove(root + "/guard");
  try {
    zk->multi({ZooKeeperOp::check(root + "/guard"), ZooKeeperOp::set(root + "/x", "2")});
    FAIL();
  } catch (const MultiOpError& e) {
    EXPECT_EQ(e.failed_index(), 0u);
    EXPECT_TRUE(e.no_node());
    EXPECT_NE(std::string(e.what()).find(root + "/guard"), std::string::npos) << e.what();
  }
  EXPECT_EQ(zk->get(root + "/x")->first, "1");
  try {
    zk->multi({ZooKeeperOp::set(root + "/x", "3", 0), ZooKeeperOp::remove(root + "/x", 7)});
    FAIL();
  } catch (const MultiOpError& e) {
    EXPECT_EQ(e.failed_index(), 1u);
    EXPECT_TRUE(e.bad_version()) << e.what();
  }
  EXPECT_EQ(zk->get(root + "/x")->first, "1");
  zk->remove_recursive(root);
}

TEST(ZooKeeperClientTest, ConnectingToNothingFailsNamingTheQuorum) {
  ZooKeeperClientSettings s = client_settings();
  s.quorum = "127.0.0.1:1";
  s.connection_timeout = 300ms;
  try {
    ZooKeeperClient::connect(s);
    FAIL();
  } catch (const ZooKeeperError& e) {
    EXPECT_TRUE(e.connection_loss());
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
}

// A pause shorter than the session timeout: SUSPENDED, then RECONNECTED with the same session and its
// ephemeral node.
TEST(ZooKeeperClientTest, ShortPauseSuspendsThenReconnectsTheSameSession) {
  auto zk = connect(4000ms);
  std::string root = test_root();
  zk->create_parents(root);
  zk->create(root + "/e", "", CreateMode::kEphemeral);
  int64_t session = zk->session_id();
  Awaiter log;
  record_states(*zk, log);
  server().pause();
  bool suspended = log.wait_for("SUSPENDED", 1, 10s);
  server().resume();
  ASSERT_TRUE(suspended);
  ASSERT_TRUE(log.wait_for("RECONNECTED"));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"SUSPENDED", "RECONNECTED"}));
  EXPECT_EQ(zk->session_id(), session);
  EXPECT_TRUE(zk->exists(root + "/e"));
  zk->remove_recursive(root);
}

// While suspended, an operation waits at most retry-wait for the connection, then fails naming the znode
// and the quorum; once reconnected, operations work again.
TEST(ZooKeeperClientTest, OperationsWhileSuspendedFailAfterRetryWait) {
  ZooKeeperClientSettings s = client_settings(4000ms);
  s.retry_wait = 0ms;
  auto zk = ZooKeeperClient::connect(s);
  std::string root = test_root();
  zk->create_parents(root);
  Awaiter log;
  record_states(*zk, log);
  server().pause();
  bool suspended = log.wait_for("SUSPENDED", 1, 10s);
  std::string error;
  try {
    zk->get(root);
  } catch (const ZooKeeperError& e) {
    error = e.what();
    EXPECT_TRUE(e.connection_loss());
  }
  server().resume();
  ASSERT_TRUE(suspended);
  EXPECT_NE(error.find(root), std::string::npos) << error;
  EXPECT_NE(error.find("ZCONNECTIONLOSS"), std::string::npos) << error;
  EXPECT_NE(error.find(server().quorum()), std::string::npos) << error;
  ASSERT_TRUE(log.wait_for("RECONNECTED"));
  EXPECT_TRUE(zk->exists(root));
  zk->remove_recursive(root);
}

// A pause longer than the session timeout: SUSPENDED, LOST, then a new session once the server is back;
// the old session's ephemeral node is gone.
TEST(ZooKeeperClientTest, LongPauseLosesTheSessionAndStartsANewOne) {
  auto zk = connect(1000ms);
  auto observer = connect(30000ms);
  std::string root = test_root();
  zk->create_parents(root);
  zk->create(root + "/e", "", CreateMode::kEphemeral);
  int64_t session = zk->session_id();
  Awaiter log;
  record_states(*zk, log);
  server().pause();
  bool lost = log.wait_for("LOST", 1, 20s);
  server().resume();
  ASSERT_TRUE(lost);
  ASSERT_TRUE(log.wait_for("CONNECTED"));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"SUSPENDED", "LOST", "CONNECTED"}));
  EXPECT_NE(zk->session_id(), session);
  // The server expires the old session on its own clock: wait for its node to go.
  Awaiter gone;
  ASSERT_TRUE(
      gone.wait([&] { return !observer->exists(root + "/e", [&](const WatchEvent&) { gone.notify(); }); }));
  observer->remove_recursive(root);
}

// A server restart within the session timeout keeps the session: ZooKeeper restores it from its log.
TEST(ZooKeeperClientTest, ServerRestartWithinTheTimeoutKeepsTheSession) {
  auto zk = connect(20000ms);
  std::string root = test_root();
  zk->create_parents(root);
  zk->create(root + "/e", "", CreateMode::kEphemeral);
  int64_t session = zk->session_id();
  Awaiter log;
  record_states(*zk, log);
  server().restart();
  ASSERT_TRUE(log.wait_for("RECONNECTED"));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"SUSPENDED", "RECONNECTED"}));
  EXPECT_EQ(zk->session_id(), session);
  EXPECT_TRUE(zk->exists(root + "/e"));
  zk->remove_recursive(root);
}

// The server says the session expired (here: it restarted without its data): LOST at once, long before the
// client's own session timeout would have declared it, then a new session.
TEST(ZooKeeperClientTest, SessionExpiredByTheServerIsLost) {
  auto zk = connect(30000ms);
  int64_t session = zk->session_id();
  Awaiter log;
  record_states(*zk, log);
  auto start = std::chrono::steady_clock::now();
  server().restart_empty();
  ASSERT_TRUE(log.wait_for("CONNECTED"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 25s);
  EXPECT_EQ(log.events(), (std::vector<std::string>{"SUSPENDED", "LOST", "CONNECTED"}));
  EXPECT_NE(zk->session_id(), session);
}

TEST(ZooKeeperClientTest, ExpiredSessionIsLostAndReplaced) {
  auto zk = connect(5000ms);
  int64_t session = zk->session_id();
  Awaiter log;
  record_states(*zk, log);
  zk->expire_session_for_testing();
  ASSERT_TRUE(log.wait_for("LOST")) << ::testing::PrintToString(log.events());
  ASSERT_TRUE(log.wait_for("CONNECTED"));
  EXPECT_NE(zk->session_id(), session);
}

}  // namespace
}  // namespace weir::ha

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::ZooKeeperEnvironment);
  return RUN_ALL_TESTS();
}
