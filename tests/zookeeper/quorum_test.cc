// Leader election and the fenced HA stores over a 3-node ZooKeeper ensemble
// (tests/support/zookeeper_ensemble.h): losing one member of three keeps the leader (its session moves to
// another member); losing the quorum past the session timeout leaves nobody leading and every fenced write
// refused; when the quorum returns, exactly one contender leads again; a restart of the whole ensemble within
// the session timeout keeps the leader. Each test leaves the ensemble whole again.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "ha_test_support.h"
#include "support/zookeeper_ensemble.h"
#include "weir/fs/file_system.h"
#include "weir/ha/ha_services.h"

namespace weir::ha {
namespace {

using namespace testing;
using weir::testing::ZooKeeperEnsemble;
using weir::testing::ZooKeeperEnsembleEnvironment;

ZooKeeperEnsemble& ensemble() {
  return ZooKeeperEnsembleEnvironment::ensemble();
}

std::shared_ptr<ZooKeeperClient> connect_ensemble(std::chrono::milliseconds session_timeout) {
  ZooKeeperClientSettings s;
  s.quorum = ensemble().quorum();
  s.session_timeout = session_timeout;
  s.connection_timeout = 30s;
  s.retry_wait = 500ms;
  s.max_retry_attempts = 3;
  return ZooKeeperClient::connect(s);
}

//! A JobManager's HA side over the ensemble: its own session, the stores, its contender in the election.
struct JobManagerHa {
  JobManagerHa(const HaPaths& paths, const std::string& name, std::chrono::milliseconds session_timeout)
      : zk(connect_ensemble(session_timeout)),
        services(zk, paths),
        latch(services.create_leader_latch(name, listener)) {}
  ~JobManagerHa() { latch->close(); }
  std::shared_ptr<ZooKeeperClient> zk;
  ZooKeeperHaServices services;
  RecordingContender listener;
  std::unique_ptr<LeaderLatch> latch;
};

//! Polls `pred` until it holds or `timeout` passes (for conditions no callback announces: the state of
//! the ensemble's members).
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);  // poll interval
  }
  return true;
}

class QuorumTest : public ::testing::Test {
 protected:
  static constexpr auto kSession = 2000ms;

  void SetUp() override {
    ASSERT_TRUE(eventually([] { return ensemble().has_quorum(); }, 60s)) << "the ensemble has no quorum";
    storage_ = std::filesystem::temp_directory_path() / ("weir-ha-quorum-" + std::to_string(::getpid()));
    std::filesystem::remove_all(storage_);
    paths_ = std::make_unique<HaPaths>(test_root(), fs::Path::parse(storage_.string()) / "cluster");
    a_ = std::make_unique<JobManagerHa>(*paths_, "a", kSession);
    a_->listener.shared = &any_;
    a_->latch->start();
    ASSERT_TRUE(a_->listener.log.wait_for("granted"));
    b_ = std::make_unique<JobManagerHa>(*paths_, "b", kSession);
    b_->listener.shared = &any_;
    b_->latch->start();
  }
  void TearDown() override {
    for (size_t i = 0; i < ensemble().size(); ++i) ensemble().resume_member(i);
    for (size_t i = 0; i < ensemble().size(); ++i)
      if (ensemble().mode(i).empty()) ensemble().start_member(i);  // one a test killed (a no-op otherwise)
    a_.reset();
    b_.reset();
    connect_ensemble(kSession)->remove_recursive(test_root());
    std::filesystem::remove_all(storage_);
  }

  //! The members the test may stop: `n` that are not `keep` (-1: any).
  std::vector<size_t> members_except(int keep, size_t n) {
    std::vector<size_t> out;
    for (size_t i = 0; i < ensemble().size() && out.size() < n; ++i)
      if (static_cast<int>(i) != keep) out.push_back(i);
    return out;
  }

  int leaders() { return int(a_->latch->has_leadership()) + int(b_->latch->has_leadership()); }

  std::filesystem::path storage_;
  std::unique_ptr<HaPaths> paths_;
  Awaiter any_;
  std::unique_ptr<JobManagerHa> a_, b_;
  JobId job_ = JobId::generate();
};

// One member of three SIGKILLed, ZooKeeper's own leader (the worst one: the other two elect a new one while
// clients move over): the Weir leader may be suspended while its connection moves, but it is never revoked,
// nobody else leads, and its fenced writes go through once its session is served again.
TEST_F(QuorumTest, LosingOneMemberKeepsTheLeader) {
  LeaderFence fence = *a_->latch->fence();
  EXPECT_EQ(a_->services.checkpoint_id_counter().get_and_increment(job_, fence), 1);
  int zk_leader = ensemble().leader();
  ASSERT_GE(zk_leader, 0);
  ensemble().kill_member(static_cast<size_t>(zk_leader));
  ASSERT_TRUE(eventually([] { return ensemble().has_quorum(); }, 30s)) << "two of three elect no leader";
  // A session survives the move when the client reconnects within its timeout; wait two timeouts: a
  // revoke would have come by then.
  EXPECT_FALSE(a_->listener.log.wait_for("revoked", 1, 2 * kSession));
  EXPECT_TRUE(a_->latch->has_leadership());
  EXPECT_EQ(b_->listener.log.count("granted"), 0u);
  ASSERT_TRUE(a_->listener.log.wait([&] { return !a_->latch->suspended(); }, 10s));
  EXPECT_EQ(a_->services.checkpoint_id_counter().get_and_increment(job_, fence), 2);
  for (const auto& e : a_->listener.log.events()) EXPECT_NE(e, "revoked");

  // The member comes back and catches up; the leader stays.
  ensemble().start_member(static_cast<size_t>(zk_leader));
  EXPECT_TRUE(a_->latch->has_leadership());
  EXPECT_EQ(a_->services.checkpoint_id_counter().get_and_increment(job_, fence), 3);
}

// Two of three members SIGSTOPped past the session timeout: the member left has no quorum and serves
// nobody, so every session is lost client-side; the leader is revoked, nobody leads (no one can create a
// node), and a write with the old fence is refused. When the quorum returns exactly one contender leads,
// in a new term, and the refused write never happened.
TEST_F(QuorumTest, LosingTheQuorumLeavesNobodyActingAndItsReturnOneLeader) {
  LeaderFence old_fence = *a_->latch->fence();
  LeaderSessionId old_term = a_->listener.sessions().at(0);
  EXPECT_EQ(a_->services.checkpoint_id_counter().get_and_increment(job_, old_fence), 1);
  auto stopped = members_except(-1, 2);
  for (size_t i : stopped) ensemble().pause_member(i);
  bool revoked = a_->listener.log.wait_for("revoked", 1, 6 * kSession);
  // Past the session timeout nobody leads, and nobody can write as the old leader.
  bool nobody = leaders() == 0;
  bool refused = false;
  try {
    a_->services.checkpoint_id_counter().get_and_increment(job_, old_fence);
  } catch (const ZooKeeperError&) {
    refused = true;  // connection loss or fencing: either way nothing was written
  }
  // And it stays so for another session timeout: no contender is granted without a quorum.
  bool someone_led = any_.wait([&] { return leaders() > 0; }, kSession);
  size_t grants_without_quorum = b_->listener.log.count("granted") + a_->listener.log.count("granted") - 1;
  for (size_t i : stopped) ensemble().resume_member(i);
  ASSERT_TRUE(revoked) << "the leader was not revoked without a quorum";
  EXPECT_TRUE(nobody);
  EXPECT_TRUE(refused) << "a write without a quorum went through";
  EXPECT_FALSE(someone_led);
  EXPECT_EQ(grants_without_quorum, 0u);

  // The quorum returns: one leader again. Old sessions' latch nodes expire on the ensemble's clock (the
  // contenders joined again with new sessions), so this takes up to one more session timeout.
  ASSERT_TRUE(eventually([] { return ensemble().has_quorum(); }, 60s));
  ASSERT_TRUE(any_.wait([&] { return leaders() == 1; }, 30s)) << "no leader after the quorum returned";
  JobManagerHa& leader = a_->latch->has_leadership() ? *a_ : *b_;
  EXPECT_NE(*leader.latch->leader_session_id(), old_term);
  EXPECT_THROW(leader.services.checkpoint_id_counter().get_and_increment(job_, old_fence), FencingError);
  // The write refused during the outage did not happen: the counter goes on from 2.
  EXPECT_EQ(leader.services.checkpoint_id_counter().get_and_increment(job_, *leader.latch->fence()), 2);
  // And it stays one leader (both contenders' latches settled: each saw its own node's place).
  a_->zk->run_on_event_thread([] {});
  b_->zk->run_on_event_thread([] {});
  EXPECT_EQ(leaders(), 1);
}

// Every member SIGKILLed and started again within the session timeout (ZooKeeper restores the sessions
// from its logs, with a fresh timeout): the leader is suspended, then resumed with the same session, and
// nobody else leads.
TEST_F(QuorumTest, RestartingTheWholeEnsembleWithinTheTimeoutKeepsTheLeader) {
  // A longer session for this one: three JVMs start in a few seconds on a small machine.
  a_.reset();
  b_.reset();
  a_ = std::make_unique<JobManagerHa>(*paths_, "a", 30000ms);
  a_->latch->start();
  ASSERT_TRUE(a_->listener.log.wait_for("granted"));
  b_ = std::make_unique<JobManagerHa>(*paths_, "b", 30000ms);
  b_->latch->start();
  int64_t session = a_->zk->session_id();
  LeaderFence fence = *a_->latch->fence();
  EXPECT_EQ(a_->services.checkpoint_id_counter().get_and_increment(job_, fence), 1);
  for (size_t i = 0; i < ensemble().size(); ++i) ensemble().kill_member(i);
  ASSERT_TRUE(a_->listener.log.wait_for("suspended", 1, 10s));
  ensemble().start();
  ASSERT_TRUE(a_->listener.log.wait_for("resumed", 1, 30s));
  EXPECT_EQ(a_->listener.log.events(), (std::vector<std::string>{"granted", "suspended", "resumed"}));
  EXPECT_EQ(a_->zk->session_id(), session);
  EXPECT_TRUE(a_->latch->has_leadership());
  EXPECT_EQ(b_->listener.log.count("granted"), 0u);
  EXPECT_EQ(a_->services.checkpoint_id_counter().get_and_increment(job_, fence), 2);
}

}  // namespace
}  // namespace weir::ha

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::ZooKeeperEnsembleEnvironment);
  return RUN_ALL_TESTS();
}
