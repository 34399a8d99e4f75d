#pragma once
// A real Kafka broker for tests: Kafka 4.x in KRaft mode (one process that is broker and controller), from
// the jars scripts/setup copies into build/deps/kafka/, with a server.properties in a temp dir, on free
// loopback ports. start() formats the storage (once), starts `kafka.Kafka` and returns once a metadata
// request through librdkafka succeeds (polled: nothing notifies readiness). stop() sends SIGTERM (a clean
// shutdown) and SIGKILL after 10 s; kill() is SIGKILL at once, as a crash. start() again serves the same
// topics and data on the same ports.
//
// Replication factors and min ISR are 1 (offsets and transaction state topics included), so transactions
// and group offsets work on one broker; the group rebalance delay is 0; nothing is deleted by retention.
// KafkaEnvironment starts one per test binary (a gtest Environment).
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
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "weir/connectors/kafka/kafka_admin.h"
#include "weir/connectors/kafka/kafka_error.h"

namespace weir::testing {

class KafkaServer {
 public:
  //! The classpath directory: $WEIR_KAFKA_LIBS, else the one scripts/setup fills (WEIR_KAFKA_LIBS_DEFAULT).
  static std::string libs_dir() {
    if (const char* d = std::getenv("WEIR_KAFKA_LIBS"); d && *d) return d;
#ifdef WEIR_KAFKA_LIBS_DEFAULT
    return WEIR_KAFKA_LIBS_DEFAULT;
#else
    return "";
#endif
  }

  KafkaServer() {
    dir_ = std::filesystem::temp_directory_path() / ("weir-kafka-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "logs");
    port_ = free_port();
    controller_port_ = free_port();
    while (controller_port_ == port_) controller_port_ = free_port();
    std::ofstream props(dir_ / "server.properties");
    props << "process.roles=broker,controller\n"
          << "node.id=1\n"
          << "listeners=PLAINTEXT://127.0.0.1:" << port_ << ",CONTROLLER://127.0.0.1:" << controller_port_
          << "\n"
          << "advertised.listeners=PLAINTEXT://127.0.0.1:" << port_ << "\n"
          << "controller.listener.names=CONTROLLER\n"
          << "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
          << "inter.broker.listener.name=PLAINTEXT\n"
          << "controller.quorum.bootstrap.servers=127.0.0.1:" << controller_port_ << "\n"
          << "log.dirs=" << (dir_ / "logs").string() << "\n"
          << "num.partitions=1\n"
          << "auto.create.topics.enable=false\n"
          << "offsets.topic.replication.factor=1\n"
          << "offsets.topic.num.partitions=1\n"
          << "transaction.state.log.replication.factor=1\n"
          << "transaction.state.log.min.isr=1\n"
          << "transaction.state.log.num.partitions=1\n"
          << "group.initial.rebalance.delay.ms=0\n"
          // Tests write records with timestamps of 1970 (event times they choose); time-based retention would
          // delete them at the broker's first retention check, 30 s after it started.
          << "log.retention.ms=-1\n";
    std::ofstream log4j(dir_ / "log4j2.properties");
    log4j << "status = error\n"
          << "appender.console.type = Console\n"
          << "appender.console.name = STDOUT\n"
          << "appender.console.layout.type = PatternLayout\n"
          << "appender.console.layout.pattern = [%d] %p %m (%c)%n\n"
          << "rootLogger.level = WARN\n"
          << "rootLogger.appenderRef.stdout.ref = STDOUT\n"
          << "logger.kafka.name = kafka.server.KafkaRaftServer\n"
          << "logger.kafka.level = INFO\n";
  }
  ~KafkaServer() {
    kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  KafkaServer(const KafkaServer&) = delete;
  KafkaServer& operator=(const KafkaServer&) = delete;

  void start() {
    if (pid_ > 0) return;
    if (!formatted_) {
      int rc = run_java({"kafka.tools.StorageTool", "format", "-t", cluster_id(), "-c",
                         (dir_ / "server.properties").string(), "--standalone"},
                        /*wait=*/true);
      if (rc != 0) throw std::runtime_error("formatting Kafka's storage failed; its log: " + log_text());
      formatted_ = true;
    }
    pid_ = run_java({"kafka.Kafka", (dir_ / "server.properties").string()}, /*wait=*/false);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (!answers()) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("Kafka exited at start; its log: " + log_text());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        kill();
        throw std::runtime_error("Kafka did not answer within 90 s; its log: " + log_text());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
    }
  }

  //! Ends the broker cleanly (SIGTERM, then SIGKILL if it lingers) and waits for it.
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
  //! SIGKILL, as a crash; the data dir stays.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  void restart() {
    stop();
    start();
  }

  int port() const {
    return port_;
  }
  std::string bootstrap_servers() const {
    return "127.0.0.1:" + std::to_string(port_);
  }

  void create_topic(const std::string& name, int partitions) {
    kafka::KafkaAdmin(bootstrap_servers()).create_topics({{name, partitions}}, std::chrono::seconds(30));
  }

  std::string log_text() const {
    std::ifstream in(dir_ / "kafka.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  // Runs `java <main class> args...` with the broker's classpath, output into kafka.log; returns the exit
  // code when `wait`, else the child's pid.
  int run_java(const std::vector<std::string>& args, bool wait) {
    std::string libs = libs_dir();
    if (libs.empty() || !std::filesystem::is_directory(libs))
      throw std::runtime_error("Kafka's jars not found ('" + libs +
                               "'): run scripts/setup or set WEIR_KAFKA_LIBS");
    std::string classpath = libs + "/*";
    std::string log = (dir_ / "kafka.log").string();
    std::string log4j = "-Dlog4j2.configurationFile=" + (dir_ / "log4j2.properties").string();
    std::vector<std::string> argv = {"java",         "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                     "-Xshare:auto", "-Xmx512m",         log4j,
                                     "-cp",          classpath};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed or killed test binary takes its broker along
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      ::execvp("java", c.data());
      ::_exit(127);
    }
    if (!wait) return pid;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // A cluster id as `kafka-storage random-uuid` prints one: 16 random bytes in unpadded base64url.
  static std::string cluster_id() {
    static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::random_device rd;
    unsigned char b[18] = {};
    for (int i = 0; i < 16; ++i) b[i] = static_cast<unsigned char>(rd());
    std::string out;
    for (int i = 0; i < 18; i += 3) {
      uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
      for (int k = 3; k >= 0; --k) out += kB64[(v >> (6 * k)) & 63];
    }
    // Never a leading '-': the storage tool would take it for an option (Kafka's random ids avoid it too).
    if (out[0] == '-') out[0] = 'A';
    return out.substr(0, 22);
  }

  // True when the broker answers a metadata request.
  bool answers() const {
    try {
      kafka::KafkaAdmin admin(bootstrap_servers(), {{"log_level", "0"}});
      admin.client().list_topics(std::chrono::milliseconds(500));
      return true;
    } catch (const kafka::KafkaError&) {
      return false;
    }
  }

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

  std::filesystem::path dir_;
  int port_ = 0;
  int controller_port_ = 0;
  pid_t pid_ = -1;
  bool formatted_ = false;
};

//! One KafkaServer for the whole test binary: register with
//! ::testing::AddGlobalTestEnvironment(new KafkaEnvironment) and reach it through server().
class KafkaEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    server_ = new KafkaServer();
    server_->start();
  }
  void TearDown() override {
    delete server_;
    server_ = nullptr;
  }
  static KafkaServer& server() { return *server_; }

 private:
  static inline KafkaServer* server_ = nullptr;
};

}  // namespace weir::testing
