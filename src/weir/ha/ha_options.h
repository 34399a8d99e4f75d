#pragma once
// The high-availability.* configuration keys (Flink's names) and the settings they resolve to.
// Validation happens twice, as everywhere in Weir: Configuration::set checks each value's type, and
// resolve_ha_settings checks what only makes sense together (a quorum and a storage directory when
// ZooKeeper HA is on, well-formed znode paths and host:port pairs). Every error names the key.
#include <cstdint>
#include <string>

#include "weir/common/config.h"

namespace weir::ha {

extern const ConfigOption<std::string> kHaType;           // high-availability.type
extern const ConfigOption<std::string> kZooKeeperQuorum;  // high-availability.zookeeper.quorum
extern const ConfigOption<std::string> kZooKeeperRoot;    // high-availability.zookeeper.path.root
extern const ConfigOption<std::string> kClusterId;        // high-availability.cluster-id
extern const ConfigOption<std::string> kStorageDir;       // high-availability.storageDir
extern const ConfigOption<Duration> kSessionTimeout;      // ...zookeeper.client.session-timeout
extern const ConfigOption<Duration> kConnectionTimeout;   // ...zookeeper.client.connection-timeout
extern const ConfigOption<Duration> kRetryWait;           // ...zookeeper.client.retry-wait
extern const ConfigOption<int64_t> kMaxRetryAttempts;     // ...zookeeper.client.max-retry-attempts

enum class HaType { kNone, kZooKeeper };

//! What a ZooKeeper client needs to reach the ensemble and how long it waits.
struct ZooKeeperClientSettings {
  std::string quorum;                   //!< "host:port,host:port"
  Duration session_timeout{3'000};      //!< asked of the server, which may negotiate it
  Duration connection_timeout{15'000};  //!< first connection of a new client
  Duration retry_wait{500};             //!< longest wait for a suspended connection before an op fails
  int max_retry_attempts = 3;           //!< retries of idempotent reads that hit a connection loss
};

//! The resolved high-availability settings of one process.
struct HaSettings {
  HaType type = HaType::kNone;
  ZooKeeperClientSettings zookeeper;
  std::string root = "/weir";           //!< znode under which every Weir cluster lives
  std::string cluster_id = "/default";  //!< one cluster's znode below root, with its leading '/'
  std::string storage_dir;              //!< the HA files' directory (any fs:: path), "" when type is kNone

  //! root + cluster_id: the znode of this cluster ("/weir/default").
  std::string cluster_znode() const { return root + cluster_id; }
};

//! The settings of `config`. Throws ConfigError naming the key when a value is malformed or a key that
//! ZooKeeper HA needs is missing (quorum, storageDir).
HaSettings resolve_ha_settings(const Configuration& config);

}  // namespace weir::ha
