#include "weir/ha/zookeeper_error.h"

#include <zookeeper/zookeeper.h>

#include <fmt/format.h>

namespace weir::ha {

std::string zookeeper_code_name(int code) {
  switch (code) {
    case ZOK:
      return "ZOK";
    case ZSYSTEMERROR:
      return "ZSYSTEMERROR";
    case ZRUNTIMEINCONSISTENCY:
      return "ZRUNTIMEINCONSISTENCY";
    case ZDATAINCONSISTENCY:
      return "ZDATAINCONSISTENCY";
    case ZCONNECTIONLOSS:
      return "ZCONNECTIONLOSS";
    case ZMARSHALLINGERROR:
      return "ZMARSHALLINGERROR";
    case ZUNIMPLEMENTED:
      return "ZUNIMPLEMENTED";
    case ZOPERATIONTIMEOUT:
      return "ZOPERATIONTIMEOUT";
    case ZBADARGUMENTS:
      return "ZBADARGUMENTS";
    case ZINVALIDSTATE:
      return "ZINVALIDSTATE";
    case ZNEWCONFIGNOQUORUM:
      return "ZNEWCONFIGNOQUORUM";
    case ZRECONFIGINPROGRESS:
      return "ZRECONFIGINPROGRESS";
    case ZSSLCONNECTIONERROR:
      return "ZSSLCONNECTIONERROR";
    case ZAPIERROR:
      return "ZAPIERROR";
    case ZNONODE:
      return "ZNONODE";
    case ZNOAUTH:
      return "ZNOAUTH";
    case ZBADVERSION:
      return "ZBADVERSION";
    case ZNOCHILDRENFOREPHEMERALS:
      return "ZNOCHILDRENFOREPHEMERALS";
    case ZNODEEXISTS:
      return "ZNODEEXISTS";
    case ZNOTEMPTY:
      return "ZNOTEMPTY";
    case ZSESSIONEXPIRED:
      return "ZSESSIONEXPIRED";
    case ZINVALIDCALLBACK:
      return "ZINVALIDCALLBACK";
    case ZINVALIDACL:
      return "ZINVALIDACL";
    case ZAUTHFAILED:
      return "ZAUTHFAILED";
    case ZCLOSING:
      return "ZCLOSING";
    case ZNOTHING:
      return "ZNOTHING";
    case ZSESSIONMOVED:
      return "ZSESSIONMOVED";
    case ZNOTREADONLY:
      return "ZNOTREADONLY";
    case ZEPHEMERALONLOCALSESSION:
      return "ZEPHEMERALONLOCALSESSION";
    case ZNOWATCHER:
      return "ZNOWATCHER";
    case ZRECONFIGDISABLED:
      return "ZRECONFIGDISABLED";
    case ZSESSIONCLOSEDREQUIRESASLAUTH:
      return "ZSESSIONCLOSEDREQUIRESASLAUTH";
    case ZTHROTTLEDOP:
      return "ZTHROTTLEDOP";
    default:
      return fmt::format("error {}", code);
  }
}

namespace {
std::string message(int code, const std::string& op, const std::string& path, const std::string& detail) {
  std::string m =
      path.empty() ? fmt::format("ZooKeeper {} failed: {} ({})", op, zookeeper_code_name(code), zerror(code))
                   : fmt::format("ZooKeeper {} of '{}' failed: {} ({})", op, path, zookeeper_code_name(code),
                                 zerror(code));
  if (!detail.empty()) m += ": " + detail;
  return m;
}
}  // namespace

ZooKeeperError::ZooKeeperError(int code, std::string op, std::string path, const std::string& detail)
    : WeirError(message(code, op, path, detail)), code_(code), op_(std::move(op)), path_(std::move(path)) {}

std::string ZooKeeperError::code_name() const {
  return zookeeper_code_name(code_);
}
bool ZooKeeperError::no_node() const {
  return code_ == ZNONODE;
}
bool ZooKeeperError::node_exists() const {
  return code_ == ZNODEEXISTS;
}
bool ZooKeeperError::bad_version() const {
  return code_ == ZBADVERSION;
}
bool ZooKeeperError::not_empty() const {
  return code_ == ZNOTEMPTY;
}
bool ZooKeeperError::connection_loss() const {
  return code_ == ZCONNECTIONLOSS || code_ == ZOPERATIONTIMEOUT || code_ == ZINVALIDSTATE ||
         code_ == ZCLOSING;
}
bool ZooKeeperError::session_expired() const {
  return code_ == ZSESSIONEXPIRED;
}

FencingError::FencingError(int code, std::string op, std::string path, const std::string& latch_node)
    : ZooKeeperError(code, std::move(op), std::move(path),
                     fmt::format("refused by fencing: the leader's latch node '{}' is gone, so this process "
                                 "is no longer the leader (its ZooKeeper session expired or it left the "
                                 "election); nothing was written",
                                 latch_node)),
      latch_node_(latch_node) {}

}  // namespace weir::ha
