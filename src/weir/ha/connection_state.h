#pragma once
// What a ZooKeeperClient tells its listeners about its session, in the order it happens.
#include <string_view>

namespace weir::ha {

enum class ConnectionState {
  //! A new session is established: the first one, or a fresh one after kLost. Ephemeral nodes and
  //! watches of an earlier session are gone.
  kConnected,
  //! The connection dropped; the session may still be alive on the server. Pause what needs ZooKeeper.
  kSuspended,
  //! The connection is back with the same session: ephemeral nodes and watches are intact.
  kReconnected,
  //! The session expired (the server said so, or the client was disconnected for a whole session
  //! timeout). Its ephemeral nodes are gone or about to be; a new session follows (kConnected).
  kLost,
};

constexpr std::string_view to_string(ConnectionState s) {
  switch (s) {
    case ConnectionState::kConnected:
      return "CONNECTED";
    case ConnectionState::kSuspended:
      return "SUSPENDED";
    case ConnectionState::kReconnected:
      return "RECONNECTED";
    case ConnectionState::kLost:
      return "LOST";
  }
  return "?";
}

}  // namespace weir::ha
