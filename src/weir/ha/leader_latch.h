#pragma once
// Weir's leader election on ZooKeeper (the C client has no recipes): each contender creates an
// ephemeral sequential node latch-<uuid>-<seq> under the latch directory; the lowest sequence leads;
// every other contender watches only its predecessor, so a leader's end wakes one contender, not all
// (no herd). The <uuid>, new for every join, finds our own node again after a create whose reply was
// lost with the connection.
//
// Connection states (ZooKeeperClient) drive the leader:
//   SUSPENDED    the leader pauses (suspend_leadership) but keeps its leadership: the session may live.
//   RECONNECTED  same session: the leader checks its node is still there and carries on
//                (resume_leadership); a contender carries on waiting.
//   LOST         the session expired: a leader is revoked; on the new session (CONNECTED) the contender
//                joins again with a new node.
//
// Threading: the latch's state is confined to its client's event thread; start() and close() hand their
// work to it (close() waits). Listener callbacks run there, in order, and may call the client (e.g. to
// publish the leader's address). has_leadership(), fence() and the other getters are thread-safe.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "weir/ha/leader_fence.h"
#include "weir/ha/leader_session_id.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::ha {

//! What a contender (a JobManager) is told about its leadership. Called on the client's event thread.
class LeaderElectionListener {
 public:
  virtual ~LeaderElectionListener() = default;
  //! This contender leads from now on, in the term `session`; LeaderLatch::fence() fences its writes.
  virtual void grant_leadership(const LeaderSessionId& session) = 0;
  //! It no longer leads (session lost, its node gone, or the latch closed): stop acting as leader.
  virtual void revoke_leadership() = 0;
  //! The connection is suspended while leading: pause what needs ZooKeeper; leadership is not lost yet.
  virtual void suspend_leadership() {}
  //! The same session reconnected: the leadership held throughout; carry on.
  virtual void resume_leadership() {}
};

class LeaderLatch {
 public:
  //! `latch_dir` e.g. HaPaths::latch_dir(); `description` is stored in the node (who the contender is).
  //! The client and the listener must outlive the latch.
  LeaderLatch(ZooKeeperClient& client, std::string latch_dir, std::string description,
              LeaderElectionListener& listener);
  //! close().
  ~LeaderLatch();
  LeaderLatch(const LeaderLatch&) = delete;
  LeaderLatch& operator=(const LeaderLatch&) = delete;

  //! Joins the election (now, or when the client next has a session).
  void start();
  //! Leaves it: a leader is revoked, the node deleted. Idempotent; no callback runs after it returns.
  void close();

  bool has_leadership() const { return leader_.load(); }
  //! True while leading on a suspended connection.
  bool suspended() const { return suspended_.load(); }
  //! The fence of the current term, or nullopt when not leading.
  std::optional<LeaderFence> fence() const;
  std::optional<LeaderSessionId> leader_session_id() const;
  //! This contender's node ("" before it joined or after its session was lost).
  std::string node_path() const;
  //! How many times the watch on a predecessor fired (tests check that a leader's end wakes one).
  uint64_t predecessor_watch_events() const { return predecessor_events_.load(); }

 private:
  void join();              // event thread
  void check_leadership();  // event thread
  void on_connection(ConnectionState state);
  void become_leader();
  void lose_leadership();
  void set_node(std::string path);

  ZooKeeperClient& client_;
  const std::string dir_;
  const std::string description_;
  LeaderElectionListener& listener_;
  // Watches and listeners may still be queued when the latch is closed: they hold this flag and do nothing
  // once it is false (read and written on the event thread only).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  uint64_t listener_id_ = 0;
  bool started_ = false;  // event thread
  std::string watched_;   // event thread: the predecessor with an outstanding watch
  std::atomic<bool> leader_{false};
  std::atomic<bool> suspended_{false};
  std::atomic<uint64_t> predecessor_events_{0};
  mutable std::mutex mu_;  // guards node_ and session_ for readers on other threads
  std::string node_;
  LeaderSessionId session_;
};

}  // namespace weir::ha
