#pragma once
// The launcher every JVM server of the tests (and benchmarks) shares: Kafka, ZooKeeper, s3proxy. A
// JvmProcess runs `java <flags> <args>` in a process group of its own, with stdout and stderr appended to a
// log file, and dies with the test binary (PR_SET_PDEATHSIG). await_ready() polls a readiness check (nothing
// notifies that a JVM server serves) and fails with the log when the process exits or the deadline passes;
// stop() is SIGTERM, then SIGKILL after a grace period; kill() is SIGKILL at once, as a crash. Plus the
// helpers the servers use: a free loopback port, and whether an HTTP server answers on one.
// No gtest here, so benchmarks use it too.
//
// Threading: one thread drives a JvmProcess.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "loopback.h"

namespace weir::testing {

//! A TCP port on 127.0.0.1 that was free a moment ago (bound, read, released).
inline int free_loopback_port() {
  int port = 0;
  ::close(bind_loopback_socket(&port));
  return port;
}

//! True when an HTTP request to 127.0.0.1:`port` gets a status line back.
inline bool loopback_http_answers(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const char req[] = "GET / HTTP/1.0\r\n\r\n";
    if (::send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof req - 1)) {
      char buf[16] = {};
      ok = ::read(fd, buf, sizeof buf - 1) > 0 && std::string(buf).rfind("HTTP/", 0) == 0;
    }
  }
  ::close(fd);
  return ok;
}

class JvmProcess {
 public:
  //! The flags every test JVM gets: quick start-up, little memory.
  static std::vector<std::string> default_flags() {
    return {"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"};
  }

  //! `name` is how errors call the server ("Kafka", "s3proxy"); `log` receives its output.
  JvmProcess(std::string name, std::filesystem::path log) : name_(std::move(name)), log_(std::move(log)) {}
  ~JvmProcess() { kill(); }
  JvmProcess(const JvmProcess&) = delete;
  JvmProcess& operator=(const JvmProcess&) = delete;

  //! Starts `java <args>` (args include the flags; see default_flags()).
  void spawn(const std::vector<std::string>& args) {
    if (pid_ > 0) return;
    pid_ = fork_java(args);
  }
  //! Runs `java <args>` to its end; its exit code (-1 when killed by a signal).
  int run(const std::vector<std::string>& args) const {
    pid_t pid = fork_java(args);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  //! Polls `ready` every `interval` until it holds. Throws, with the log, when the process exits first or
  //! `timeout` passes (the process is killed then).
  void await_ready(const std::function<bool()>& ready, std::chrono::milliseconds interval,
                   std::chrono::seconds timeout = std::chrono::seconds(90)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ready()) {
      int status = 0;
      if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(name_ + " exited at start; its log: " + log_text());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        kill();
        throw std::runtime_error(name_ + " did not answer within " + std::to_string(timeout.count()) +
                                 " s; its log: " + log_text());
      }
      std::this_thread::sleep_for(interval);  // poll interval: nothing notifies readiness
    }
  }

  //! SIGTERM (a clean shutdown), SIGKILL if it lingers past `grace`; waits for the process.
  void stop(std::chrono::seconds grace = std::chrono::seconds(10)) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);  // a paused process could not act on SIGTERM
    ::kill(pid_, SIGTERM);
    // A pidfd becomes readable when the process exits: wait on it up to `grace`, then kill.
    int status = 0;
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (fd < 0) throw std::runtime_error(name_ + ": pidfd_open failed (Linux 5.3 or newer is needed)");
    pollfd exited{fd, POLLIN, 0};
    int ready;
    do {
      ready = ::poll(&exited, 1, static_cast<int>(grace.count() * 1000));
    } while (ready < 0 && errno == EINTR);
    ::close(fd);
    if (ready == 0) ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  //! SIGKILL at once, as a crash; waits for the process.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  //! SIGSTOP / SIGCONT: the process keeps its sockets but answers nothing, as a partition would.
  void pause() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
  }
  void resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
  }

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string log_text() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  pid_t fork_java(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"java"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string log = log_.string();
    std::vector<char*> c;  // built before fork: the child of a threaded process must not allocate
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed or killed test binary takes its server along
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execvp("java", c.data());
      ::_exit(127);
    }
    if (pid < 0) throw std::runtime_error("cannot fork to start " + name_);
    return pid;
  }

  std::string name_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

}  // namespace weir::testing
