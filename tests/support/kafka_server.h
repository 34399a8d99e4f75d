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
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/jvm_process.h"

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
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "logs");
    port_ = free_loopback_port();
    controller_port_ = free_loopback_port();
    while (controller_port_ == port_) controller_port_ = free_loopback_port();
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
    if (process_.running()) return;
    if (!formatted_) {
      int rc = process_.run(java_args({"kafka.tools.StorageTool", "format", "--cluster-id=" + cluster_id(),
                                       "-c", (dir_ / "server.properties").string(), "--standalone"}));
      if (rc != 0) throw std::runtime_error("formatting Kafka's storage failed; its log: " + log_text());
      formatted_ = true;
    }
    process_.spawn(java_args({"kafka.Kafka", (dir_ / "server.properties").string()}));
    process_.await_ready([this] { return answers(); }, std::chrono::milliseconds(100));
  }

  //! Ends the broker cleanly (SIGTERM, then SIGKILL if it lingers) and waits for it.
  void stop() {
    process_.stop();
  }
  //! SIGKILL, as a crash; the data dir stays.
  void kill() {
    process_.kill();
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
    return process_.log_text();
  }

 private:
  // The JVM flags and broker classpath, then `args` (a main class and its arguments).
  std::vector<std::string> java_args(const std::vector<std::string>& args) const {
    std::string libs = libs_dir();
    if (libs.empty() || !std::filesystem::is_directory(libs))
      throw std::runtime_error("Kafka's jars not found ('" + libs +
                               "'): run scripts/setup or set WEIR_KAFKA_LIBS");
    std::vector<std::string> argv = JvmProcess::default_flags();
    argv.insert(argv.end(),
                {"-Xmx512m", "-Dlog4j2.configurationFile=" + (dir_ / "log4j2.properties").string(), "-cp",
                 libs + "/*"});
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // A cluster id as `kafka-storage random-uuid` prints one: 16 random bytes in unpadded base64url (it may
  // start with '-': passed as --cluster-id=<id>, never as a separate argument).
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

  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("weir-kafka-" + std::to_string(::getpid()));
  int port_ = 0;
  int controller_port_ = 0;
  JvmProcess process_{"Kafka", dir_ / "kafka.log"};
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
