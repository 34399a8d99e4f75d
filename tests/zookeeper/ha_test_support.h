#pragma once
// What the ZooKeeper tests share: a client for the binary's server, and Awaiter, which waits for a
// condition that callbacks make true (they call notify()), with a deadline and no sleeps.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/zookeeper_server.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha::testing {

using weir::testing::ZooKeeperEnvironment;
using weir::testing::ZooKeeperServer;
using namespace std::chrono_literals;

inline ZooKeeperServer& server() {
  return ZooKeeperEnvironment::server();
}

inline ZooKeeperClientSettings client_settings(std::chrono::milliseconds session_timeout = 2000ms) {
  ZooKeeperClientSettings s;
  s.quorum = server().quorum();
  s.session_timeout = session_timeout;
  s.connection_timeout = 30s;
  s.retry_wait = 2s;
  s.max_retry_attempts = 3;
  return s;
}

inline std::unique_ptr<ZooKeeperClient> connect(std::chrono::milliseconds session_timeout = 2000ms) {
  return ZooKeeperClient::connect(client_settings(session_timeout));
}

//! A znode root unique to the running test: /weir-test/<suite>.<test>.
inline std::string test_root() {
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("/weir-test/") + info->test_suite_name() + "." + info->name();
}

//! A log of events from callbacks (any thread) that a test waits on.
class Awaiter {
 public:
  void record(std::string event) {
    std::lock_guard l(mu_);
    events_.push_back(std::move(event));
    cv_.notify_all();
  }
  void notify() {
    std::lock_guard l(mu_);
    cv_.notify_all();
  }
  std::vector<std::string> events() const {
    std::lock_guard l(mu_);
    return events_;
  }
  size_t count(const std::string& event) const {
    std::lock_guard l(mu_);
    return static_cast<size_t>(std::count(events_.begin(), events_.end(), event));
  }
  //! Waits until `pred` holds (checked whenever a callback records or notifies); false at the deadline.
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 30s) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] {
      l.unlock();
      bool ok = pred();
      l.lock();
      return ok;
    });
  }
  //! Waits until `event` has been recorded `n` times.
  bool wait_for(const std::string& event, size_t n = 1, std::chrono::milliseconds timeout = 30s) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] {
      return static_cast<size_t>(std::count(events_.begin(), events_.end(), event)) >= n;
    });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

//! Records a client's connection states into an Awaiter as "CONNECTED", "SUSPENDED", ...
inline uint64_t record_states(ZooKeeperClient& client, Awaiter& log) {
  return client.add_connection_listener([&log](ConnectionState s) { log.record(std::string(to_string(s))); });
}

}  // namespace weir::ha::testing

#include "weir/ha/leader_latch.h"

namespace weir::ha::testing {

//! A contender that records what its latch tells it: "granted", "revoked", "suspended", "resumed".
class RecordingContender : public LeaderElectionListener {
 public:
  void grant_leadership(const LeaderSessionId& session) override {
    {
      std::lock_guard l(mu_);
      sessions_.push_back(session);
    }
    record("granted");
  }
  void revoke_leadership() override { record("revoked"); }
  void suspend_leadership() override { record("suspended"); }
  void resume_leadership() override { record("resumed"); }
  std::vector<LeaderSessionId> sessions() const {
    std::lock_guard l(mu_);
    return sessions_;
  }
  Awaiter log;
  //! Also told of every event (several contenders' events awaited together).
  Awaiter* shared = nullptr;

 private:
  void record(const std::string& e) {
    log.record(e);
    if (shared) shared->notify();
  }
  mutable std::mutex mu_;
  std::vector<LeaderSessionId> sessions_;
};

//! One JobManager-like contender: its own client (session), latch and listener.
struct Contender {
  Contender(const std::string& latch_dir, const std::string& name,
            std::chrono::milliseconds session_timeout = 2000ms)
      : zk(connect(session_timeout)), latch(*zk, latch_dir, name, listener) {}
  ~Contender() { latch.close(); }
  std::unique_ptr<ZooKeeperClient> zk;
  RecordingContender listener;
  LeaderLatch latch;
};

}  // namespace weir::ha::testing
