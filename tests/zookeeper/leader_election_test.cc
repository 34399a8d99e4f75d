// Leader election among contenders with their own sessions, against a real ZooKeeper: one leader, a
// successor woken alone, and what pauses and restarts of the server do to a leader.
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "ha_test_support.h"
#include "weir/ha/leader_latch.h"

namespace weir::ha {
namespace {

using namespace testing;

int leaders(const std::vector<std::unique_ptr<Contender>>& cs) {
  int n = 0;
  for (const auto& c : cs) n += c->latch.has_leadership();
  return n;
}

TEST(LeaderElectionTest, ThreeContendersHaveExactlyOneLeader) {
  std::string dir = test_root() + "/leader-latch";
  std::vector<std::unique_ptr<Contender>> cs;
  for (const char* name : {"a", "b", "c"}) {
    cs.push_back(std::make_unique<Contender>(dir, name));
    cs.back()->latch.start();  // returns once the contender has looked at the election
  }
  ASSERT_TRUE(cs[0]->listener.log.wait_for("granted"));
  EXPECT_EQ(leaders(cs), 1);
  EXPECT_TRUE(cs[0]->latch.has_leadership());
  ASSERT_TRUE(cs[0]->latch.fence());
  EXPECT_EQ(cs[0]->latch.fence()->latch_node, cs[0]->latch.node_path());
  EXPECT_FALSE(cs[1]->latch.fence());
  EXPECT_EQ(cs[1]->listener.log.count("granted") + cs[2]->listener.log.count("granted"), 0u);
  // Each node holds its contender's description.
  EXPECT_EQ(cs[1]->zk->get(cs[1]->latch.node_path())->first, "b");
  cs.clear();
  connect()->remove_recursive(test_root());
}

// The leader's session ends: its successor leads, and only the successor's watch fired (no herd). The
// old leader, revoked, joins again at the end of the line.
TEST(LeaderElectionTest, LeadersSessionEndWakesOnlyItsSuccessor) {
  std::string dir = test_root() + "/leader-latch";
  std::vector<std::unique_ptr<Contender>> cs;
  for (const char* name : {"a", "b", "c", "d"}) {
    cs.push_back(std::make_unique<Contender>(dir, name));
    cs.back()->latch.start();
  }
  ASSERT_TRUE(cs[0]->listener.log.wait_for("granted"));
  LeaderSessionId first = cs[0]->listener.sessions().at(0);

  Awaiter states;
  record_states(*cs[0]->zk, states);  // after the latch's own listener, so it sees states first
  cs[0]->zk->expire_session_for_testing();
  ASSERT_TRUE(cs[0]->listener.log.wait_for("revoked"));
  ASSERT_TRUE(cs[1]->listener.log.wait_for("granted"));
  // The old leader is back in the election with a new node (behind d).
  ASSERT_TRUE(states.wait_for("CONNECTED"));
  EXPECT_FALSE(cs[0]->latch.node_path().empty());
  for (auto& c : cs) c->zk->run_on_event_thread([] {});  // flush what each event thread has queued
  EXPECT_EQ(leaders(cs), 1);
  EXPECT_TRUE(cs[1]->latch.has_leadership());
  EXPECT_NE(cs[1]->listener.sessions().at(0), first);
  EXPECT_EQ(cs[1]->latch.predecessor_watch_events(), 1u);
  EXPECT_EQ(cs[2]->latch.predecessor_watch_events(), 0u);
  EXPECT_EQ(cs[3]->latch.predecessor_watch_events(), 0u);
  EXPECT_EQ(cs[2]->listener.log.count("granted") + cs[3]->listener.log.count("granted"), 0u);
  cs.clear();
  connect()->remove_recursive(test_root());
}

// A leader that leaves the election (close) hands over at once.
TEST(LeaderElectionTest, ClosingTheLeaderHandsOver) {
  std::string dir = test_root() + "/leader-latch";
  Contender a(dir, "a"), b(dir, "b");
  a.latch.start();
  b.latch.start();
  ASSERT_TRUE(a.listener.log.wait_for("granted"));
  std::string node = a.latch.node_path();
  a.latch.close();
  EXPECT_EQ(a.listener.log.events(), (std::vector<std::string>{"granted", "revoked"}));
  EXPECT_FALSE(a.zk->exists(node));
  EXPECT_FALSE(a.latch.has_leadership());
  ASSERT_TRUE(b.listener.log.wait_for("granted"));
  b.latch.close();
  a.zk->remove_recursive(test_root());
}

// SIGSTOP of the server for less than the session timeout: the leader is suspended, then resumed with the
// same session; it is never revoked and nobody else leads.
TEST(LeaderElectionTest, ShortServerPauseSuspendsButDoesNotRevoke) {
  std::string dir = test_root() + "/leader-latch";
  Contender a(dir, "a", 4000ms), b(dir, "b", 4000ms);
  a.latch.start();
  b.latch.start();
  ASSERT_TRUE(a.listener.log.wait_for("granted"));
  int64_t session = a.zk->session_id();
  server().pause();
  bool suspended = a.listener.log.wait_for("suspended", 1, 10s);
  server().resume();
  ASSERT_TRUE(suspended);
  EXPECT_TRUE(a.latch.suspended());
  EXPECT_TRUE(a.latch.has_leadership());
  ASSERT_TRUE(a.listener.log.wait_for("resumed"));
  EXPECT_EQ(a.listener.log.events(), (std::vector<std::string>{"granted", "suspended", "resumed"}));
  EXPECT_EQ(a.zk->session_id(), session);
  EXPECT_TRUE(a.latch.has_leadership());
  EXPECT_FALSE(a.latch.suspended());
  b.zk->run_on_event_thread([] {});
  EXPECT_EQ(b.listener.log.count("granted"), 0u);
  b.latch.close();
  a.latch.close();
  a.zk->remove_recursive(test_root());
}

// SIGSTOP for longer than the session timeout: the leader's session is lost and it is revoked; after the
// server resumes, one contender leads again in a new term.
TEST(LeaderElectionTest, LongServerPauseRevokesAndANewLeaderIsElected) {
  std::string dir = test_root() + "/leader-latch";
  Awaiter any;  // told of every contender's events
  std::vector<std::unique_ptr<Contender>> cs;
  for (const char* name : {"a", "b"}) {
    cs.push_back(std::make_unique<Contender>(dir, name, 1000ms));
    cs.back()->listener.shared = &any;
    cs.back()->latch.start();
  }
  ASSERT_TRUE(cs[0]->listener.log.wait_for("granted"));
  LeaderSessionId first = cs[0]->listener.sessions().at(0);
  server().pause();
  bool revoked = cs[0]->listener.log.wait_for("revoked", 1, 20s);
  server().resume();
  ASSERT_TRUE(revoked);
  EXPECT_EQ(cs[0]->listener.log.events(), (std::vector<std::string>{"granted", "suspended", "revoked"}));
  ASSERT_TRUE(any.wait(
      [&] { return cs[0]->listener.log.count("granted") + cs[1]->listener.log.count("granted") >= 2; }));
  for (auto& c : cs) c->zk->run_on_event_thread([] {});
  EXPECT_EQ(leaders(cs), 1);
  for (auto& c : cs)
    if (c->latch.has_leadership()) EXPECT_NE(*c->latch.leader_session_id(), first);
  cs.clear();
  connect()->remove_recursive(test_root());
}

// A restart of the server within the session timeout keeps the session, so the leader keeps leading.
TEST(LeaderElectionTest, ServerRestartWithinTheTimeoutKeepsTheLeader) {
  std::string dir = test_root() + "/leader-latch";
  Contender a(dir, "a", 20000ms), b(dir, "b", 20000ms);
  a.latch.start();
  b.latch.start();
  ASSERT_TRUE(a.listener.log.wait_for("granted"));
  server().restart();
  ASSERT_TRUE(a.listener.log.wait_for("resumed"));
  EXPECT_EQ(a.listener.log.events(), (std::vector<std::string>{"granted", "suspended", "resumed"}));
  EXPECT_TRUE(a.latch.has_leadership());
  b.zk->run_on_event_thread([] {});
  EXPECT_EQ(b.listener.log.count("granted"), 0u);
  b.latch.close();
  a.latch.close();
  a.zk->remove_recursive(test_root());
}

// A leader process that dies without closing its session (SIGKILL, the crash the issue is about): its
// latch node lives until the server expires the session, so detection takes one session timeout, and the
// successor leads right after. The contender runs as a child process (this binary, --contender).
TEST(LeaderElectionTest, KilledLeaderProcessIsSucceededAfterItsSessionTimeout) {
  std::string dir = test_root() + "/leader-latch";
  constexpr auto kTimeout = 3000ms;  // Weir's default session timeout
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(out[1], 1);
    std::string timeout = std::to_string(kTimeout.count());
    ::execl("/proc/self/exe", "contender", "--contender", server().quorum().c_str(), dir.c_str(),
            timeout.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  // Wait for the child's "granted" line (poll with a deadline, no sleeps).
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (line.find("granted") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 1000) > 0) {
      char buf[64];
      ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
  }
  ASSERT_NE(line.find("granted"), std::string::npos) << "the child contender did not lead: '" << line << "'";
  Contender b(dir, "b", kTimeout);
  b.latch.start();
  EXPECT_FALSE(b.latch.has_leadership());

  auto killed = std::chrono::steady_clock::now();
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(out[0]);
  ASSERT_TRUE(b.listener.log.wait_for("granted", 1, 30s));
  auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
  std::printf("successor granted %lld ms after SIGKILL of the leader (session timeout %lld ms)\n",
              static_cast<long long>(took.count()), static_cast<long long>(kTimeout.count()));
  RecordProperty("failover_ms", static_cast<int>(took.count()));
  EXPECT_LT(took, kTimeout + 3s) << "detection should take about one session timeout";
  b.latch.close();
  b.zk->remove_recursive(test_root());
}

}  // namespace
}  // namespace weir::ha

// --contender <quorum> <latch dir> <session timeout ms>: joins the election, prints "granted" when it
// leads, and waits to be killed.
int run_contender(const char* quorum, const char* dir, const char* timeout_ms) {
  struct Printer : weir::ha::LeaderElectionListener {
    void grant_leadership(const weir::ha::LeaderSessionId&) override {
      std::printf("granted\n");
      std::fflush(stdout);
    }
    void revoke_leadership() override {}
  } printer;
  weir::ha::ZooKeeperClientSettings s;
  s.quorum = quorum;
  s.session_timeout = std::chrono::milliseconds(std::atoll(timeout_ms));
  auto zk = weir::ha::ZooKeeperClient::connect(s);
  weir::ha::LeaderLatch latch(*zk, dir, "child", printer);
  latch.start();
  while (true) ::pause();
}

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--contender") == 0) return run_contender(argv[2], argv[3], argv[4]);
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::ZooKeeperEnvironment);
  return RUN_ALL_TESTS();
}
