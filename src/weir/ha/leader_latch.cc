#include "weir/ha/leader_latch.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "weir/common/log.h"

namespace weir::ha {

namespace {

constexpr std::string_view kPrefix = "latch-";

// The sequence number ZooKeeper appended (the last 10 digits), or -1 for a name that is not a latch node.
int64_t sequence_of(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0 || name.size() < kPrefix.size() + 10) return -1;
  std::string digits = name.substr(name.size() - 10);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

void log_error(const std::string& what, const std::exception& e) {
  log::get("ha").error("leader latch: {}: {}", what, e.what());
}

}  // namespace

LeaderLatch::LeaderLatch(ZooKeeperClient& client, std::string latch_dir, std::string description,
                         LeaderElectionListener& listener)
    : client_(client),
      dir_(std::move(latch_dir)),
      description_(std::move(description)),
      listener_(listener) {}

LeaderLatch::~LeaderLatch() {
  close();
}

void LeaderLatch::start() {
  client_.run_on_event_thread([this] {
    if (started_ || !*alive_) return;
    started_ = true;
    auto alive = alive_;
    listener_id_ = client_.add_connection_listener([this, alive](ConnectionState s) {
      if (*alive) on_connection(s);
    });
    join();
  });
}

void LeaderLatch::close() {
  client_.run_on_event_thread([this] {
    if (!*alive_) return;
    *alive_ = false;
    if (!started_) return;
    if (leader_.exchange(false)) {
      suspended_ = false;
      listener_.revoke_leadership();
    }
    std::string node = node_path();
    set_node("");
    if (!node.empty() && client_.connected()) {
      try {
        client_.remove(node);
      } catch (const ZooKeeperError& e) {
        if (!e.no_node()) log_error("leaving the election", e);  // the session's end removes it anyway
      }
    }
  });
  if (listener_id_) client_.remove_connection_listener(listener_id_);
  listener_id_ = 0;
}

std::optional<LeaderFence> LeaderLatch::fence() const {
  std::lock_guard l(mu_);
  if (!leader_.load() || node_.empty()) return std::nullopt;
  return LeaderFence{node_};
}

std::optional<LeaderSessionId> LeaderLatch::leader_session_id() const {
  std::lock_guard l(mu_);
  if (!leader_.load()) return std::nullopt;
  return session_;
}

std::string LeaderLatch::node_path() const {
  std::lock_guard l(mu_);
  return node_;
}

void LeaderLatch::set_node(std::string path) {
  std::lock_guard l(mu_);
  node_ = std::move(path);
}

void LeaderLatch::join() {
  if (!*alive_ || !client_.connected() || !node_path().empty()) return;
  watched_.clear();
  // A fresh uuid per join: a node of an earlier (lost) session that the server has not expired yet must
  // never be taken for ours.
  std::string uuid = LeaderSessionId::generate().str();
  std::string prefix = fmt::format("{}/{}{}-", dir_, kPrefix, uuid);
  try {
    client_.create_parents(dir_);
    set_node(client_.create(prefix, description_, CreateMode::kEphemeralSequential));
  } catch (const ZooKeeperError& e) {
    if (!e.connection_loss()) {
      log_error("joining the election under " + dir_, e);
      return;
    }
    // The reply was lost: the node may exist. Find it by its uuid once connected again.
    try {
      for (const auto& name : client_.children(dir_))
        if (name.find(uuid) != std::string::npos) set_node(dir_ + "/" + name);
    } catch (const ZooKeeperError&) {
      return;  // still disconnected; RECONNECTED or CONNECTED joins again
    }
    if (node_path().empty()) return;
  }
  check_leadership();
}

void LeaderLatch::check_leadership() {
  while (*alive_) {
    std::string mine = node_path();
    if (mine.empty()) return;
    std::vector<std::string> names;
    try {
      names = client_.children(dir_);
    } catch (const ZooKeeperError& e) {
      log_error("reading the contenders", e);  // retried on RECONNECTED/CONNECTED
      return;
    }
    std::vector<std::pair<int64_t, std::string>> contenders;
    for (auto& n : names)
      if (int64_t seq = sequence_of(n); seq >= 0) contenders.emplace_back(seq, std::move(n));
    std::sort(contenders.begin(), contenders.end());
    std::string my_name = mine.substr(dir_.size() + 1);
    auto it = std::find_if(contenders.begin(), contenders.end(),
                           [&](const auto& c) { return c.second == my_name; });
    if (it == contenders.end()) {  // our node is gone (deleted by someone, or its session ended): join again
      lose_leadership();
      set_node("");
      join();
      return;
    }
    if (it == contenders.begin()) {
      become_leader();
      return;
    }
    lose_leadership();  // cannot happen with sequential nodes; stay safe
    std::string predecessor = dir_ + "/" + std::prev(it)->second;
    if (watched_ == predecessor) return;  // its watch is still set
    auto alive = alive_;
    bool exists = false;
    try {
      exists = client_
                   .get(predecessor,
                        [this, alive](const WatchEvent&) {
                          if (!*alive) return;
                          ++predecessor_events_;
                          watched_.clear();
                          check_leadership();
                        })
                   .has_value();
    } catch (const ZooKeeperError& e) {
      log_error("watching " + predecessor, e);
      return;
    }
    if (exists) {
      watched_ = predecessor;
      return;
    }
    // The predecessor went between the listing and the watch: look again.
  }
}

void LeaderLatch::become_leader() {
  if (leader_.load()) return;
  {
    std::lock_guard l(mu_);
    session_ = LeaderSessionId::generate();
  }
  leader_ = true;
  suspended_ = false;
  listener_.grant_leadership(session_);
}

void LeaderLatch::lose_leadership() {
  if (!leader_.exchange(false)) return;
  suspended_ = false;
  listener_.revoke_leadership();
}

void LeaderLatch::on_connection(ConnectionState state) {
  switch (state) {
    case ConnectionState::kSuspended:
      if (leader_.load() && !suspended_.exchange(true)) listener_.suspend_leadership();
      break;
    case ConnectionState::kReconnected: {
      if (node_path().empty()) {
        join();
        break;
      }
      if (leader_.load()) {
        bool still_there = false;
        try {
          still_there = client_.exists(node_path()).has_value();
        } catch (const ZooKeeperError& e) {
          log_error("checking the leader's node after reconnecting", e);
          break;  // another SUSPENDED/RECONNECTED or LOST follows
        }
        if (still_there) {
          suspended_ = false;
          listener_.resume_leadership();
        } else {
          check_leadership();
        }
      } else if (watched_.empty()) {
        check_leadership();  // an earlier check failed on the connection
      }
      break;
    }
    case ConnectionState::kLost:
      watched_.clear();
      set_node("");
      lose_leadership();
      break;
    case ConnectionState::kConnected:
      join();
      break;
  }
}

}  // namespace weir::ha
