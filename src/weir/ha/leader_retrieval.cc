#include "weir/ha/leader_retrieval.h"

#include <zookeeper/zookeeper.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "weir/common/log.h"

namespace weir::ha {

std::string LeaderInfo::to_json() const {
  return nlohmann::json{
      {"rpc_address", rpc_address}, {"rest_address", rest_address}, {"leader_session_id", session.str()}}
      .dump();
}

LeaderInfo LeaderInfo::from_json(const std::string& bytes, const std::string& node) {
  try {
    auto j = nlohmann::json::parse(bytes);
    return LeaderInfo{j.at("rpc_address").get<std::string>(), j.at("rest_address").get<std::string>(),
                      LeaderSessionId(j.at("leader_session_id").get<std::string>())};
  } catch (const nlohmann::json::exception& e) {
    throw ZooKeeperError(ZMARSHALLINGERROR, "read leader address", node,
                         std::string("not a leader address: ") + e.what());
  }
}

void publish_leader_info(ZooKeeperClient& zk, const std::string& node, const LeaderInfo& info,
                         const LeaderFence& fence) {
  std::string data = info.to_json();
  zk.create_parents(node.substr(0, node.rfind('/')));
  for (int attempt = 0;; ++attempt) {
    auto existing = zk.exists(node);
    std::vector<ZooKeeperOp> ops;
    if (!existing) {
      ops.push_back(ZooKeeperOp::create(node, data, CreateMode::kEphemeral));
    } else if (existing->ephemeral_owner == zk.session_id()) {
      ops.push_back(ZooKeeperOp::set(node, data, existing->version));
    } else {  // a former leader's session still owns it: replace it by ours
      ops.push_back(ZooKeeperOp::remove(node, existing->version));
      ops.push_back(ZooKeeperOp::create(node, data, CreateMode::kEphemeral));
    }
    try {
      fenced_multi(zk, fence, ops, "publish the leader's address");
      return;
    } catch (const FencingError&) {
      throw;
    } catch (const MultiOpError& e) {
      // The node changed between the read and the write (its old owner's session ended): read again.
      if (attempt < 5 && (e.no_node() || e.node_exists() || e.bad_version())) continue;
      throw;
    }
  }
}

void clear_leader_info(ZooKeeperClient& zk, const std::string& node, const LeaderFence& fence) {
  auto existing = zk.exists(node);
  if (!existing || existing->ephemeral_owner != zk.session_id()) return;
  try {
    fenced_multi(zk, fence, {ZooKeeperOp::remove(node, existing->version)}, "clear the leader's address");
  } catch (const MultiOpError& e) {
    if (!e.no_node() && !e.bad_version()) throw;
  }
}

LeaderRetriever::LeaderRetriever(ZooKeeperClient& zk, std::string node, Listener listener)
    : zk_(zk), node_(std::move(node)), listener_(std::move(listener)) {}

LeaderRetriever::~LeaderRetriever() {
  close();
}

void LeaderRetriever::start() {
  zk_.run_on_event_thread([this] {
    if (started_ || !*alive_) return;
    started_ = true;
    auto alive = alive_;
    listener_id_ = zk_.add_connection_listener([this, alive](ConnectionState s) {
      if (*alive) on_connection(s);
    });
    refresh();
  });
}

void LeaderRetriever::close() {
  zk_.run_on_event_thread([this] { *alive_ = false; });
  if (listener_id_) zk_.remove_connection_listener(listener_id_);
  listener_id_ = 0;
}

std::optional<LeaderInfo> LeaderRetriever::current() const {
  std::lock_guard l(mu_);
  return current_;
}

void LeaderRetriever::refresh() {
  if (!*alive_ || watch_pending_) return;
  auto alive = alive_;
  auto on_change = [this, alive](const WatchEvent&) {
    if (!*alive) return;
    watch_pending_ = false;
    refresh();
  };
  std::optional<LeaderInfo> now;
  try {
    while (true) {
      if (auto got = zk_.get(node_, on_change)) {
        try {
          now = LeaderInfo::from_json(got->first, node_);
        } catch (const ZooKeeperError& e) {
          log::get("ha").warn("leader retrieval: {}", e.what());
        }
        break;
      }
      // No leader published: watch for its creation (exists sets the watch on a missing node).
      if (!zk_.exists(node_, on_change)) break;
      // Created in between, and the exists-watch is set; it fires on the next change. Read it once more
      // without adding a watch.
      if (auto got = zk_.get(node_)) now = LeaderInfo::from_json(got->first, node_);
      break;
    }
  } catch (const ZooKeeperError& e) {
    log::get("ha").warn("leader retrieval of {}: {}", node_, e.what());
    return;  // retried on RECONNECTED/CONNECTED
  }
  watch_pending_ = true;
  {
    std::lock_guard l(mu_);
    if (reported_ && current_ == now) return;
    current_ = now;
  }
  reported_ = true;
  listener_(now);
}

void LeaderRetriever::on_connection(ConnectionState s) {
  if (s == ConnectionState::kLost || s == ConnectionState::kConnected)
    watch_pending_ = false;  // watches gone
  if (s == ConnectionState::kConnected || s == ConnectionState::kReconnected) refresh();
}

}  // namespace weir::ha
