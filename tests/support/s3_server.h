#pragma once
// A real S3-compatible server for tests: s3proxy (Maven Central's org.gaul:s3proxy jar, fetched by
// scripts/setup) with its filesystem backend in a temp dir, on a free loopback port, with SigV2/V4
// authentication. start() returns once the server answers HTTP (polled, no fixed sleeps); stop() ends
// it; start() again serves the same buckets on the same port. Buckets are directories of the backend.
//
// S3ServerEnvironment starts one per test binary (a gtest Environment) and points the s3.* keys at it.
// Threading: one test thread drives it.
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
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    port_ = free_loopback_port();
  }
  ~S3Server() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  void start() {
    if (process_.running()) return;
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
    std::vector<std::string> args = JvmProcess::default_flags();
    args.insert(args.end(), {"-jar", j, "--properties", (dir_ / "s3proxy.conf").string()});
    process_.spawn(args);
    process_.await_ready([this] { return loopback_http_answers(port_); }, std::chrono::milliseconds(50));
  }

  //! Ends the server (SIGTERM, then SIGKILL if it lingers) and waits for it.
  void stop() {
    process_.stop();
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
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("weir-s3proxy-" + std::to_string(::getpid()));
  int port_ = 0;
  JvmProcess process_{"s3proxy", dir_ / "s3proxy.log"};
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
