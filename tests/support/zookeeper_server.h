#pragma once
// A real ZooKeeper server for tests: Debian's `zookeeper` package run as ZooKeeperServerMain with a zoo.cfg
// in a temp dir, on a free loopback port, admin server off. start() returns once the server answers the
// four-letter word `ruok` with `imok` and `srvr` says it serves (polled, no fixed sleeps). The server can be
// paused (SIGSTOP) and resumed (SIGCONT), the exact way to make clients' sessions suspend (a short pause) or
// expire (a pause longer than the session timeout), and restarted on the same port and data dir, which keeps
// the sessions it had (ZooKeeper restores them from its snapshot and log, with a fresh timeout).
//
// tickTime is 100 ms, so sessions of 200 ms..60 s are granted as asked.
// ZooKeeperEnvironment starts one per test binary (a gtest Environment).
// Threading: one test thread drives it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/jvm_process.h"

namespace weir::testing {

//! Sends a four-letter word (`ruok`, `srvr`) to the ZooKeeper server on 127.0.0.1:`port` and returns its
//! answer; empty when it does not answer within 2 s (stopped, not running).
inline std::string zookeeper_four_letter_word(int port, const std::string& word) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, word.data(), word.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(word.size())) {
    char buf[512];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

//! The JVM arguments of Debian's ZooKeeper (`main_class`: ZooKeeperServerMain or QuorumPeerMain) with
//! config `cfg`.
inline std::vector<std::string> zookeeper_java_args(const char* main_class, const std::string& cfg) {
  std::vector<std::string> args = JvmProcess::default_flags();
  args.insert(args.end(), {"-Xmx256m", "-Dzookeeper.root.logger=INFO,CONSOLE", "-cp",
                           "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar", main_class, cfg});
  return args;
}

class ZooKeeperServer {
 public:
  static constexpr int kTickMs = 100;

  ZooKeeperServer() {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    port_ = free_loopback_port();
    std::ofstream cfg(dir_ / "zoo.cfg");
    cfg << "tickTime=" << kTickMs << "\n"
        << "minSessionTimeout=" << 2 * kTickMs << "\n"
        << "maxSessionTimeout=60000\n"
        << "dataDir=" << (dir_ / "data").string() << "\n"
        << "clientPort=" << port_ << "\n"
        << "clientPortAddress=127.0.0.1\n"
        << "admin.enableServer=false\n"
        << "4lw.commands.whitelist=ruok,srvr\n"
        << "maxClientCnxns=0\n";
  }
  ~ZooKeeperServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ZooKeeperServer(const ZooKeeperServer&) = delete;
  ZooKeeperServer& operator=(const ZooKeeperServer&) = delete;

  void start() {
    if (process_.running()) return;
    if (!std::filesystem::exists("/usr/share/java/zookeeper.jar"))
      throw std::runtime_error(
          "/usr/share/java/zookeeper.jar not found: run scripts/setup (Debian's zookeeper)");
    process_.spawn(
        zookeeper_java_args("org.apache.zookeeper.server.ZooKeeperServerMain", (dir_ / "zoo.cfg").string()));
    process_.await_ready([this] { return imok() && serving(); }, std::chrono::milliseconds(50));
  }

  //! Ends the server (SIGKILL: as a crash; its data dir stays, so start() brings back its znodes and
  //! sessions) and waits for it.
  void stop() { process_.kill(); }
  void restart() {
    stop();
    start();
  }
  //! Restarts with an empty data dir: the server has forgotten every znode and session, so a client that
  //! reconnects is told its session expired.
  void restart_empty() {
    stop();
    std::filesystem::remove_all(dir_ / "data");
    std::filesystem::create_directories(dir_ / "data");
    start();
  }
  //! SIGSTOP: the server keeps its sockets but answers nothing, as a network partition would.
  void pause() { process_.pause(); }
  void resume() { process_.resume(); }

  int port() const { return port_; }
  std::string quorum() const { return "127.0.0.1:" + std::to_string(port_); }

  //! True when the server answers `ruok` with `imok`.
  bool imok() const { return four_letter_word("ruok") == "imok"; }

  //! True when it serves clients: `ruok` answers `imok` as soon as the process runs, before it has loaded
  //! its data; `srvr` reports a Mode only once it serves.
  bool serving() const { return four_letter_word("srvr").find("Mode:") != std::string::npos; }

  std::string four_letter_word(const std::string& word) const {
    return zookeeper_four_letter_word(port_, word);
  }

  std::string log_text() const { return process_.log_text(); }

 private:
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("weir-zookeeper-" + std::to_string(::getpid()));
  int port_ = 0;
  JvmProcess process_{"ZooKeeper", dir_ / "zookeeper.log"};
};

//! One ZooKeeperServer for the whole test binary: register with
//! ::testing::AddGlobalTestEnvironment(new ZooKeeperEnvironment) and reach it through server().
class ZooKeeperEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    server_ = new ZooKeeperServer();
    server_->start();
  }
  void TearDown() override {
    delete server_;
    server_ = nullptr;
  }
  static ZooKeeperServer& server() { return *server_; }

 private:
  static inline ZooKeeperServer* server_ = nullptr;
};

}  // namespace weir::testing
