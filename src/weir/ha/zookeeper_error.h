#pragma once
// Errors of ZooKeeper operations. Each names the operation, the znode and ZooKeeper's error name
// ("ZNONODE", "ZBADVERSION", ...), so a log line says what failed where without the C client's headers.
#include <string>

#include "weir/common/error.h"

namespace weir::ha {

//! A ZooKeeper operation failed (after the retries the client makes for idempotent reads).
class ZooKeeperError : public WeirError {
 public:
  //! `code` is the C client's ZOO_ERRORS value; `op` e.g. "create"; `path` the znode ("" if none).
  ZooKeeperError(int code, std::string op, std::string path, const std::string& detail = "");

  int code() const { return code_; }
  const std::string& op() const { return op_; }
  const std::string& path() const { return path_; }
  //! ZooKeeper's name of the code, e.g. "ZNONODE".
  std::string code_name() const;

  bool no_node() const;
  bool node_exists() const;
  bool bad_version() const;
  bool not_empty() const;
  //! The connection dropped or the request timed out: the outcome of a write is unknown.
  bool connection_loss() const;
  bool session_expired() const;

 private:
  int code_;
  std::string op_;
  std::string path_;
};

//! A leader's fenced write was refused because its latch node is gone: its session expired or it left the
//! election, so another process may lead now. The write did not happen.
class FencingError : public ZooKeeperError {
 public:
  FencingError(int code, std::string op, std::string path, const std::string& latch_node);
  const std::string& latch_node() const { return latch_node_; }

 private:
  std::string latch_node_;
};

//! ZooKeeper's name of a ZOO_ERRORS code ("ZNONODE"), or "error <code>" for an unknown one.
std::string zookeeper_code_name(int code);

}  // namespace weir::ha
