#include "weir/ha/ha_options.h"

#include <climits>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/fs/file_system.h"
#include "weir/fs/path.h"

namespace weir::ha {

const ConfigOption<std::string> kHaType{
    {"high-availability.type",
     ConfigType::kEnum,
     "none",
     "High availability of the JobManager: NONE (one JobManager, nothing survives it) or zookeeper "
     "(leader election among JobManagers, job metadata in ZooKeeper and high-availability.storageDir).",
     {"none", "zookeeper"}}};
const ConfigOption<std::string> kZooKeeperQuorum{
    {"high-availability.zookeeper.quorum", ConfigType::kString, "",
     "The ZooKeeper ensemble as host:port pairs separated by commas; required with zookeeper HA."}};
const ConfigOption<std::string> kZooKeeperRoot{
    {"high-availability.zookeeper.path.root", ConfigType::kString, "/weir",
     "Root znode under which every Weir cluster keeps its nodes."}};
const ConfigOption<std::string> kClusterId{
    {"high-availability.cluster-id", ConfigType::kString, "/default",
     "This cluster's znode below the root and its directory below high-availability.storageDir; "
     "JobManagers of one cluster share it, other clusters must not."}};
const ConfigOption<std::string> kStorageDir{
    {"high-availability.storageDir", ConfigType::kString, "",
     "Directory (a local/NFS path or s3://) of what a new leader needs and ZooKeeper only points to: "
     "submitted job specs. Required with zookeeper HA."}};
// Flink's default is 60 s, which is the floor of its failover time: a crashed leader's ephemeral nodes
// live until its session expires. Weir's 3 s detects a dead leader in 3 s and leaves ~2 s for election
// and job recovery within the 5 s target (README.md, "Timeouts").
const ConfigOption<Duration> kSessionTimeout{
    {"high-availability.zookeeper.client.session-timeout", ConfigType::kDuration, "3 s",
     "ZooKeeper session timeout: how long a leader may be silent before it loses its leadership. The "
     "server bounds it with its minSessionTimeout/maxSessionTimeout (2 and 20 ticks by default)."}};
const ConfigOption<Duration> kConnectionTimeout{
    {"high-availability.zookeeper.client.connection-timeout", ConfigType::kDuration, "15 s",
     "How long a starting process waits for its first connection to ZooKeeper."}};
const ConfigOption<Duration> kRetryWait{
    {"high-availability.zookeeper.client.retry-wait", ConfigType::kDuration, "500 ms",
     "How long an operation waits for a suspended connection to come back before it fails, and the "
     "pause before retrying a read that lost its connection."}};
const ConfigOption<int64_t> kMaxRetryAttempts{{"high-availability.zookeeper.client.max-retry-attempts",
                                               ConfigType::kInt,
                                               "3",
                                               "Retries of a read that lost its connection to ZooKeeper.",
                                               {},
                                               0,
                                               100}};

namespace {

// A znode path piece: "/a/b" (leading '/', no trailing '/', no empty, "." or ".." segments).
std::string znode_path(const std::string& key, std::string text, bool empty_ok) {
  if (text.empty() || text == "/") {
    if (empty_ok) return "";
    throw ConfigError(
        fmt::format("invalid value '{}' for configuration key '{}': expected a znode path "
                    "like /weir",
                    text, key));
  }
  if (text.front() != '/') text = "/" + text;
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  size_t start = 1;
  while (start <= text.size()) {
    size_t end = text.find('/', start);
    if (end == std::string::npos) end = text.size();
    std::string_view seg(text.data() + start, end - start);
    if (seg.empty() || seg == "." || seg == ".." || seg.find_first_of(" \t\n\r") != std::string_view::npos ||
        seg == "zookeeper")
      throw ConfigError(
          fmt::format("invalid value '{}' for configuration key '{}': '{}' is not a valid "
                      "znode name (empty, '.', '..', whitespace or 'zookeeper')",
                      text, key, seg));
    start = end + 1;
  }
  return text;
}

// "host:port[,host:port...]" with every port in 1..65535. An optional chroot suffix is refused: Weir has
// path.root for that.
std::string quorum(const std::string& key, const std::string& text) {
  if (text.empty())
    throw ConfigError(
        fmt::format("configuration key '{}' is required when high-availability.type is "
                    "zookeeper: the ZooKeeper ensemble as host:port[,host:port...]",
                    key));
  if (text.find('/') != std::string::npos)
    throw ConfigError(
        fmt::format("invalid value '{}' for configuration key '{}': a chroot suffix is not "
                    "supported; set high-availability.zookeeper.path.root instead",
                    text, key));
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string entry = text.substr(start, end - start);
    size_t colon = entry.rfind(':');
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < entry.size();
    long port = 0;
    if (ok) {
      std::string p = entry.substr(colon + 1);
      ok = p.find_first_not_of("0123456789") == std::string::npos && p.size() <= 5;
      if (ok) port = std::stol(p);
      ok = ok && port >= 1 && port <= 65535;
    }
    if (!ok)
      throw ConfigError(
          fmt::format("invalid value '{}' for configuration key '{}': '{}' is not host:port "
                      "(port 1..65535)",
                      text, key, entry));
    start = end + 1;
  }
  return text;
}

Duration positive_ms(const Configuration& config, const ConfigOption<Duration>& opt, Duration min) {
  Duration d = config.get_duration(opt);
  if (d < min || d.count() > INT_MAX)
    throw ConfigError(
        fmt::format("invalid value '{}' for configuration key '{}': expected at least {} ms "
                    "and at most {} ms",
                    config.raw(opt.key()).value_or(""), opt.key(), min.count(), INT_MAX));
  return d;
}

}  // namespace

HaSettings resolve_ha_settings(const Configuration& config) {
  HaSettings s;
  s.type = config.get_string(kHaType) == "zookeeper" ? HaType::kZooKeeper : HaType::kNone;
  s.root = znode_path(kZooKeeperRoot.key(), config.get_string(kZooKeeperRoot), false);
  s.cluster_id = znode_path(kClusterId.key(), config.get_string(kClusterId), false);
  s.zookeeper.session_timeout = positive_ms(config, kSessionTimeout, Duration(1));
  s.zookeeper.connection_timeout = positive_ms(config, kConnectionTimeout, Duration(1));
  s.zookeeper.retry_wait = positive_ms(config, kRetryWait, Duration(0));
  s.zookeeper.max_retry_attempts = static_cast<int>(config.get_int(kMaxRetryAttempts));
  if (s.type == HaType::kNone) return s;

  s.zookeeper.quorum = quorum(kZooKeeperQuorum.key(), config.get_string(kZooKeeperQuorum));
  s.storage_dir = config.get_string(kStorageDir);
  if (s.storage_dir.empty())
    throw ConfigError(
        fmt::format("configuration key '{}' is required when high-availability.type is "
                    "zookeeper: the directory (local path or s3://) for job specs",
                    kStorageDir.key()));
  try {
    s.storage_dir = fs::Path::parse(s.storage_dir).str();
  } catch (const fs::FileSystemError& e) {
    throw ConfigError(fmt::format("invalid value '{}' for configuration key '{}': {}", s.storage_dir,
                                  kStorageDir.key(), e.what()));
  }
  return s;
}

}  // namespace weir::ha
