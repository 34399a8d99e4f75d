#pragma once
// A real ZooKeeper ensemble for tests: three (or any odd number of) QuorumPeerMain processes of Debian's
// `zookeeper` package on loopback, each with its own data dir (myid) and zoo.cfg in a temp dir, on free
// client, quorum and election ports, admin server off. start() returns once every member answers `ruok`
// with `imok` and `srvr` reports it as leader or follower (polled against a deadline, no fixed sleeps).
//
// Members can be killed (SIGKILL, a crash; start_member() brings one back with its data), paused (SIGSTOP:
// it keeps its sockets and answers nothing, as behind a partition) and resumed. With two of three members
// paused or killed the one left has no quorum: it drops its clients and serves nobody until a majority is
// back (ZooKeeper's read-only mode is off).
//
// tickTime is 100 ms, so sessions of 200 ms..60 s are granted as asked.
// Threading: one test thread drives it.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/zookeeper_server.h"

namespace weir::testing {

class ZooKeeperEnsemble {
 public:
  static constexpr int kTickMs = 100;

  explicit ZooKeeperEnsemble(int size = 3) {
    if (size < 1 || size % 2 == 0) throw std::invalid_argument("a ZooKeeper ensemble has an odd size");
    dir_ = std::filesystem::temp_directory_path() / ("weir-zookeeper-ensemble-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    members_.resize(static_cast<size_t>(size));
    for (size_t i = 0; i < members_.size(); ++i) {
      Member& m = members_[i];
      m.process = std::make_unique<JvmProcess>("ZooKeeper member " + std::to_string(i + 1),
                                               member_dir(i) / "zookeeper.log");
      m.client_port = free_loopback_port();
      m.quorum_port = free_loopback_port();
      m.election_port = free_loopback_port();
    }
    for (size_t i = 0; i < members_.size(); ++i) {
      std::filesystem::path d = member_dir(i);
      std::filesystem::create_directories(d / "data");
      std::ofstream(d / "data" / "myid") << i + 1 << "\n";
      std::ofstream cfg(d / "zoo.cfg");
      cfg << "tickTime=" << kTickMs << "\n"
          << "initLimit=100\n"  // ticks a follower may take to connect and sync (10 s: JVMs start slowly)
          << "syncLimit=20\n"   // ticks a follower may lag before the leader drops it (2 s)
          << "minSessionTimeout=" << 2 * kTickMs << "\n"
          << "maxSessionTimeout=60000\n"
          << "dataDir=" << (d / "data").string() << "\n"
          << "clientPort=" << members_[i].client_port << "\n"
          << "clientPortAddress=127.0.0.1\n"
          << "admin.enableServer=false\n"
          << "4lw.commands.whitelist=ruok,srvr\n"
          << "maxClientCnxns=0\n";
      for (size_t j = 0; j < members_.size(); ++j)
        cfg << "server." << j + 1 << "=127.0.0.1:" << members_[j].quorum_port << ":"
            << members_[j].election_port << "\n";
    }
  }
  ~ZooKeeperEnsemble() {
    for (size_t i = 0; i < members_.size(); ++i) kill_member(i);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ZooKeeperEnsemble(const ZooKeeperEnsemble&) = delete;
  ZooKeeperEnsemble& operator=(const ZooKeeperEnsemble&) = delete;

  size_t size() const { return members_.size(); }

  //! Starts every member that is not running and waits until all serve (leader or follower).
  void start() {
    if (!std::filesystem::exists("/usr/share/java/zookeeper.jar"))
      throw std::runtime_error(
          "/usr/share/java/zookeeper.jar not found: run scripts/setup (Debian's zookeeper)");
    for (size_t i = 0; i < members_.size(); ++i) spawn(i);
    for (size_t i = 0; i < members_.size(); ++i) await_serving(i, std::chrono::seconds(120));
  }

  //! Starts member `i` again (after kill_member) with its data and waits until it serves.
  void start_member(size_t i) {
    spawn(i);
    await_serving(i, std::chrono::seconds(60));
  }

  //! SIGKILL of member `i` (a crash), waited for. Its data dir stays.
  void kill_member(size_t i) { members_.at(i).process->kill(); }
  //! SIGSTOP of member `i`: it keeps its sockets and answers nothing (peers and clients time out on it).
  void pause_member(size_t i) { members_.at(i).process->pause(); }
  void resume_member(size_t i) { members_.at(i).process->resume(); }

  //! "leader", "follower", "standalone" as `srvr` reports it; empty when member `i` does not serve
  //! (stopped, looking for a quorum, not running).
  std::string mode(size_t i) const {
    std::string out = zookeeper_four_letter_word(members_.at(i).client_port, "srvr");
    auto at = out.find("Mode: ");
    if (at == std::string::npos) return {};
    auto end = out.find('\n', at);
    return out.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
  }
  //! The member that is ZooKeeper's leader now; -1 when none serves as leader.
  int leader() const {
    for (size_t i = 0; i < members_.size(); ++i)
      if (members_[i].process->running() && mode(i) == "leader") return static_cast<int>(i);
    return -1;
  }
  //! True when a majority serves: one leader and enough followers.
  bool has_quorum() const {
    size_t serving = 0;
    bool leader = false;
    for (size_t i = 0; i < members_.size(); ++i) {
      if (!members_[i].process->running()) continue;
      std::string m = mode(i);
      leader = leader || m == "leader";
      if (m == "leader" || m == "follower") ++serving;
    }
    return leader && serving > members_.size() / 2;
  }

  //! The connect string of every member: 127.0.0.1:p1,127.0.0.1:p2,...
  std::string quorum() const {
    std::string q;
    for (const auto& m : members_)
      q += (q.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(m.client_port);
    return q;
  }
  int client_port(size_t i) const { return members_.at(i).client_port; }

  std::string log_text(size_t i) const { return members_.at(i).process->log_text(); }

 private:
  struct Member {
    int client_port = 0, quorum_port = 0, election_port = 0;
    std::unique_ptr<JvmProcess> process;
  };

  std::filesystem::path member_dir(size_t i) const { return dir_ / ("zk" + std::to_string(i + 1)); }

  void spawn(size_t i) {
    members_.at(i).process->spawn(zookeeper_java_args("org.apache.zookeeper.server.quorum.QuorumPeerMain",
                                                      (member_dir(i) / "zoo.cfg").string()));
  }

  void await_serving(size_t i, std::chrono::seconds timeout) {
    members_.at(i).process->await_ready(
        [this, i] {
          if (zookeeper_four_letter_word(members_[i].client_port, "ruok") != "imok") return false;
          std::string m = mode(i);
          return m == "leader" || m == "follower";
        },
        std::chrono::milliseconds(50), timeout);
  }

  std::filesystem::path dir_;
  std::vector<Member> members_;
};

//! One ZooKeeperEnsemble for the whole test binary: register with
//! ::testing::AddGlobalTestEnvironment(new ZooKeeperEnsembleEnvironment) and reach it through ensemble().
class ZooKeeperEnsembleEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    ensemble_ = new ZooKeeperEnsemble(3);
    ensemble_->start();
  }
  void TearDown() override {
    delete ensemble_;
    ensemble_ = nullptr;
  }
  static ZooKeeperEnsemble& ensemble() { return *ensemble_; }

 private:
  static inline ZooKeeperEnsemble* ensemble_ = nullptr;
};

}  // namespace weir::testing
