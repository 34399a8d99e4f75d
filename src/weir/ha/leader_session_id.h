#pragma once
// The id of one leadership term (Flink's leader session id): a random UUID a leader draws when it is
// granted leadership, publishes with its address, and puts on every RPC it sends, so that TaskManagers
// refuse a deposed leader's messages.
#include <string>

namespace weir::ha {

class LeaderSessionId {
 public:
  LeaderSessionId() = default;
  //! A random (version 4) UUID.
  static LeaderSessionId generate();
  //! Any non-empty text (as read back from ZooKeeper).
  explicit LeaderSessionId(std::string text) : text_(std::move(text)) {}

  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }
  bool operator==(const LeaderSessionId&) const = default;

 private:
  std::string text_;
};

}  // namespace weir::ha
