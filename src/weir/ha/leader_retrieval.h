#pragma once
// How a leader makes itself known and how everyone else finds it (Flink's leader retrieval). The leader
// publishes a LeaderInfo (its RPC and REST addresses and its leader session id) in the ephemeral znode
// HaPaths::leader(component), written with a multi-op that first checks the publisher's own latch node:
// a deposed leader cannot overwrite its successor's address. The node is owned by the leader's session,
// so it disappears when that session ends. A LeaderRetriever watches the node and reports every change.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "weir/ha/leader_fence.h"
#include "weir/ha/leader_session_id.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha {

struct LeaderInfo {
  std::string rpc_address;   //!< host:port of the leader's gRPC services
  std::string rest_address;  //!< http://host:port of its REST API
  LeaderSessionId session;   //!< the leadership term; RPCs of other terms are refused

  bool operator==(const LeaderInfo&) const = default;
  //! JSON: {"rpc_address": ..., "rest_address": ..., "leader_session_id": ...}.
  std::string to_json() const;
  //! Throws ZooKeeperError(ZMARSHALLINGERROR) naming `node` for bytes that are not a LeaderInfo.
  static LeaderInfo from_json(const std::string& bytes, const std::string& node);
};

//! Publishes `info` at `node` on behalf of the leader fenced by `fence` (creating the node, or replacing
//! one a former leader's session still owns). Throws FencingError when the publisher no longer leads.
void publish_leader_info(ZooKeeperClient& zk, const std::string& node, const LeaderInfo& info,
                         const LeaderFence& fence);
//! Removes the leader's address if this session published it (a leader stepping down); fenced too.
void clear_leader_info(ZooKeeperClient& zk, const std::string& node, const LeaderFence& fence);

//! Follows the leader published at a node. Threading: its state is confined to the client's event thread;
//! the listener runs there, once per change (nullopt: no leader now); current() is thread-safe.
class LeaderRetriever {
 public:
  using Listener = std::function<void(const std::optional<LeaderInfo>&)>;
  //! The client must outlive the retriever.
  LeaderRetriever(ZooKeeperClient& zk, std::string node, Listener listener);
  ~LeaderRetriever();
  LeaderRetriever(const LeaderRetriever&) = delete;
  LeaderRetriever& operator=(const LeaderRetriever&) = delete;

  //! Reads the node, reports it, and follows it.
  void start();
  //! Stops following; no callback runs after it returns.
  void close();
  std::optional<LeaderInfo> current() const;

 private:
  void refresh();  // event thread
  void on_connection(ConnectionState s);

  ZooKeeperClient& zk_;
  const std::string node_;
  Listener listener_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  uint64_t listener_id_ = 0;
  bool started_ = false;        // event thread
  bool watch_pending_ = false;  // event thread
  bool reported_ = false;       // event thread: something was reported already
  mutable std::mutex mu_;
  std::optional<LeaderInfo> current_;
};

}  // namespace weir::ha
