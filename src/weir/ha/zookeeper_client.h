#pragma once
// A thin RAII wrapper over the Apache ZooKeeper C client (libzookeeper_mt, synchronous calls): one
// session at a time, operations that throw ZooKeeperError naming the znode, one-shot watches as
// std::function, multi-ops, and connection states that tell a passing disconnect (kSuspended, then
// kReconnected with the same session) from a lost session (kLost, then kConnected with a new one).
//
// Session handling (as Curator does for Flink): the C client reports a disconnect as CONNECTING and an
// expiry only when it reaches a server that says so. A client that stays disconnected for a whole
// (negotiated) session timeout declares the session lost itself, since by then the server has expired it
// or will as soon as it runs again; it then closes the handle and opens a new session.
//
// Threading: operations are thread-safe and synchronous. Watches and connection listeners run on the
// client's one event thread, in the order ZooKeeper delivered them; they may call operations (never
// blocking on a suspended connection there: an operation on the event thread fails at once when not
// connected). Objects that register watches must outlive them or ignore them once closed (LeaderLatch
// and LeaderRetriever do so through run_on_event_thread). The client outlives everything that uses it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/ha/connection_state.h"
#include "weir/ha/ha_options.h"
#include "weir/ha/zookeeper_error.h"

namespace weir::ha {

enum class CreateMode { kPersistent, kEphemeral, kPersistentSequential, kEphemeralSequential };

//! The parts of a znode's Stat that Weir uses.
struct NodeStat {
  int32_t version = 0;          //!< data version, for conditional set/delete
  int32_t cversion = 0;         //!< children version
  int64_t ephemeral_owner = 0;  //!< session id of an ephemeral node's owner, 0 for persistent nodes
  int32_t num_children = 0;
  int32_t data_length = 0;
};

enum class WatchEventType { kCreated, kDeleted, kChanged, kChildren };

struct WatchEvent {
  WatchEventType type;
  std::string path;
};
//! A one-shot watch: called once, on the event thread, unless the session is lost first.
using Watcher = std::function<void(const WatchEvent&)>;

//! One operation of a multi-op (all succeed or none does).
struct ZooKeeperOp {
  enum class Kind { kCreate, kSet, kDelete, kCheck };
  Kind kind;
  std::string path;
  std::string data;
  CreateMode mode = CreateMode::kPersistent;
  int32_t version = -1;  //!< -1: any version

  static ZooKeeperOp create(std::string path, std::string data, CreateMode mode = CreateMode::kPersistent) {
    return {Kind::kCreate, std::move(path), std::move(data), mode, -1};
  }
  static ZooKeeperOp set(std::string path, std::string data, int32_t version = -1) {
    return {Kind::kSet, std::move(path), std::move(data), CreateMode::kPersistent, version};
  }
  static ZooKeeperOp remove(std::string path, int32_t version = -1) {
    return {Kind::kDelete, std::move(path), {}, CreateMode::kPersistent, version};
  }
  //! Fails the multi-op unless the node exists (version -1) or has this data version.
  static ZooKeeperOp check(std::string path, int32_t version = -1) {
    return {Kind::kCheck, std::move(path), {}, CreateMode::kPersistent, version};
  }
};

//! A failed multi-op: which operation failed (index into the ops) with which code.
class MultiOpError : public ZooKeeperError {
 public:
  MultiOpError(int code, size_t failed_index, const std::string& path, const std::string& detail)
      : ZooKeeperError(code, "multi-op", path, detail), failed_index_(failed_index) {}
  size_t failed_index() const { return failed_index_; }

 private:
  size_t failed_index_;
};

class ZooKeeperClient {
 public:
  using ConnectionListener = std::function<void(ConnectionState)>;

  //! Connects to `settings.quorum` and waits up to connection_timeout for a session. Throws
  //! ZooKeeperError (ZCONNECTIONLOSS, naming the quorum) when none is established in time.
  static std::unique_ptr<ZooKeeperClient> connect(const ZooKeeperClientSettings& settings);
  //! Closes the session (its ephemeral nodes go at once) and stops the event thread.
  ~ZooKeeperClient();
  ZooKeeperClient(const ZooKeeperClient&) = delete;
  ZooKeeperClient& operator=(const ZooKeeperClient&) = delete;

  //! Creates a node; returns its path (with the sequence number for sequential modes). The parent must
  //! exist. Throws ZooKeeperError (node_exists(), no_node() for a missing parent).
  std::string create(const std::string& path, const std::string& data, CreateMode mode);
  //! Creates `path` and its missing ancestors as empty persistent nodes; existing ones are fine.
  void create_parents(const std::string& path);
  //! The node's data and stat, or nullopt when it does not exist. A watcher is set only on an existing node.
  std::optional<std::pair<std::string, NodeStat>> get(const std::string& path, Watcher watcher = {});
  //! The node's stat or nullopt; a watcher is set either way (it fires on creation too).
  std::optional<NodeStat> exists(const std::string& path, Watcher watcher = {});
  //! Names (not paths) of the children, unsorted. Throws ZooKeeperError(no_node()) for a missing node.
  std::vector<std::string> children(const std::string& path, Watcher watcher = {});
  //! Sets the data if the version matches (-1: any). Throws ZooKeeperError (bad_version(), no_node()).
  NodeStat set(const std::string& path, const std::string& data, int32_t version = -1);
  //! Deletes the node if the version matches. Throws ZooKeeperError (no_node(), not_empty(), bad_version()).
  void remove(const std::string& path, int32_t version = -1);
  //! Deletes the node and everything below it; a missing node is fine. Not atomic.
  void remove_recursive(const std::string& path);
  //! Runs the operations atomically; returns the created paths (one per op, "" for non-creates). Throws
  //! MultiOpError naming the first operation that failed.
  std::vector<std::string> multi(const std::vector<ZooKeeperOp>& ops);

  //! Adds a listener of connection state changes (called on the event thread); returns its id.
  uint64_t add_connection_listener(ConnectionListener listener);
  //! Removes it; once this returns (off the event thread) the listener is not running and never will.
  void remove_connection_listener(uint64_t id);

  bool connected() const;
  //! The current session's id (0 while no session is established).
  int64_t session_id() const;
  //! The session timeout the server granted (it may differ from the one asked for).
  std::chrono::milliseconds negotiated_session_timeout() const;
  const ZooKeeperClientSettings& settings() const;

  //! Runs `task` on the event thread, after what is queued there.
  void post(std::function<void()> task);
  //! Runs `task` on the event thread and waits for it (runs it directly when called from there).
  void run_on_event_thread(const std::function<void()>& task);
  bool in_event_thread() const;

  //! Ends this session on the server as an expiry would (its ephemeral nodes are gone when this returns);
  //! listeners see kLost, then kConnected with a new session.
  void expire_session_for_testing();

  struct Impl;

 private:
  explicit ZooKeeperClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::ha
