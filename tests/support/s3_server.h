#pragma once
// A real S3-compatible server for tests: s3proxy (Maven Central's org.gaul:s3proxy jar, fetched by
// scripts/setup) with its filesystem backend in a temp dir, on a free loopback port, with SigV2/V4
// authentication. start() returns once the server answers HTTP (polled, no fixed sleeps); stop() ends
// it; start() again serves the same buckets on the same port. Buckets are directories of the backend.
//
// S3ServerEnvironment starts one per test binary (a gtest Environment) and points the s3.* keys at it.
// Threading: one test thread drives it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "weir/common/config.h"

namespace weir::testing {

class S3Server {
 public:
  static constexpr const char* kAccessKey = "weir-test-key";
  static constexpr const char* kSecretKey = "weir-test-secret";

  //! The jar: $WEIR_S3PROXY_JAR, else the one scripts/setup fetched (WEIR_S3PROXY_JAR_DEFAULT).
  static std::string jar() {
    if (const char* j = std::getenv("WEIR_S3PROXY_JAR"); j && *j) return j;
#ifdef WEIR_S3PROXY_JAR_DEFAULT
    return WEIR_S3PROXY_JAR_DEFAULT;
#else
    return "";
#endif
  }

  S3Server() {
    dir_ = std::filesystem::temp_directory_path() / ("weir-s3proxy-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    port_ = free_port();
  }
  ~S3Server() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  void start() {
    if (pid_ > 0) return;
    std::string j = jar();
    if (j.empty() || !std::filesystem::exists(j))
      throw std::runtime_error("s3proxy jar not found ('" + j +
                               "'): run scripts/setup or set WEIR_S3PROXY_JAR");
    {
      std::ofstream conf(dir_ / "s3proxy.conf");
      conf << "s3proxy.endpoint=http://127.0.0.1:" << port_ << "\n"
           << "s3proxy.authorization=aws-v2-or-v4\n"
           << "s3proxy.identity=" << kAccessKey << "\n"
           << "s3proxy.credential=" << kSecretKey << "\n"
           << "jclouds.provider=filesystem\n"
           << "jclouds.filesystem.basedir=" << (dir_ / "data").string() << "\n";
    }
    std::string conf = (dir_ / "s3proxy.conf").string(), log = (dir_ / "s3proxy.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed or killed test binary takes its server along
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execlp("java", "java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar",
               j.c_str(), "--properties", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Poll until it answers HTTP: the JVM takes a few seconds to start.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (!answers()) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("s3proxy exited at start; its log: " + log_text());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        throw std::runtime_error("s3proxy did not answer within 90 s; its log: " + log_text());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll interval
    }
  }

  //! Ends the server (SIGTERM, then SIGKILL if it lingers) and waits for it.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }

  void create_bucket(const std::string& name) {
    std::filesystem::create_directories(dir_ / "data" / name);
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  //! Where the backend keeps the objects of `bucket` (to check what the server holds).
  std::filesystem::path bucket_dir(const std::string& bucket) const {
    return dir_ / "data" / bucket;
  }

  //! The s3.* keys that reach this server.
  Configuration config() const {
    Configuration c;
    c.set("s3.endpoint", endpoint());
    c.set("s3.access-key", kAccessKey);
    c.set("s3.secret-key", kSecretKey);
    c.set("s3.path.style.access", "true");
    c.set("s3.upload.min.part.size", "5mb");
    c.set("s3.retry.timeout", "5 s");
    c.set("s3.retry.limit", "4");
    c.set("s3.retry.interval", "50 ms");
    return c;
  }

 private:
  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }

  // True when an HTTP request to the port gets a status line back.
  bool answers() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
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

  std::string log_text() const {
    std::ifstream in(dir_ / "s3proxy.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

//! One S3Server for the whole test binary, with bucket `kBucket`: register with
//! ::testing::AddGlobalTestEnvironment(new S3ServerEnvironment) and reach it through server().
class S3ServerEnvironment : public ::testing::Environment {
 public:
  static constexpr const char* kBucket = "weir-test";
  void SetUp() override {
    server_ = new S3Server();
    server_->create_bucket(kBucket);
    server_->start();
  }
  void TearDown() override {
    delete server_;
    server_ = nullptr;
  }
  static S3Server& server() { return *server_; }

 private:
  static inline S3Server* server_ = nullptr;
};

}  // namespace weir::testing
