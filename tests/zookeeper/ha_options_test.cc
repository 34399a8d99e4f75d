// The high-availability.* keys: defaults, what ZooKeeper HA requires, and errors that name the key.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "weir/common/config.h"
#include "weir/common/error.h"
#include "weir/ha/ha_options.h"

namespace weir::ha {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

Configuration zookeeper_config() {
  Configuration c;
  c.set("high-availability.type", "zookeeper");
  c.set("high-availability.zookeeper.quorum", "zk1:2181,zk2:2181");
  c.set("high-availability.storageDir", "/tmp/weir-ha");
  return c;
}

TEST(HaOptionsTest, DefaultsAreNoneWithFastFailoverTimeouts) {
  HaSettings s = resolve_ha_settings(Configuration{});
  EXPECT_EQ(s.type, HaType::kNone);
  EXPECT_EQ(s.root, "/weir");
  EXPECT_EQ(s.cluster_id, "/default");
  EXPECT_EQ(s.cluster_znode(), "/weir/default");
  EXPECT_EQ(s.zookeeper.session_timeout, Duration(3000));
  EXPECT_EQ(s.zookeeper.connection_timeout, Duration(15000));
  EXPECT_EQ(s.zookeeper.retry_wait, Duration(500));
  EXPECT_EQ(s.zookeeper.max_retry_attempts, 3);
}

TEST(HaOptionsTest, ZooKeeperWithFlinksNames) {
  Configuration c = zookeeper_config();
  c.set("high-availability.type", "ZOOKEEPER");
  c.set("high-availability.zookeeper.path.root", "flink/");
  c.set("high-availability.cluster-id", "prod-1");
  c.set("high-availability.zookeeper.client.session-timeout", "1500 ms");
  c.set("high-availability.zookeeper.client.connection-timeout", "5 s");
  c.set("high-availability.zookeeper.client.retry-wait", "100 ms");
  c.set("high-availability.zookeeper.client.max-retry-attempts", "7");
  HaSettings s = resolve_ha_settings(c);
  EXPECT_EQ(s.type, HaType::kZooKeeper);
  EXPECT_EQ(s.zookeeper.quorum, "zk1:2181,zk2:2181");
  EXPECT_EQ(s.cluster_znode(), "/flink/prod-1");
  EXPECT_EQ(s.storage_dir, "/tmp/weir-ha");
  EXPECT_EQ(s.zookeeper.session_timeout, Duration(1500));
  EXPECT_EQ(s.zookeeper.connection_timeout, Duration(5000));
  EXPECT_EQ(s.zookeeper.retry_wait, Duration(100));
  EXPECT_EQ(s.zookeeper.max_retry_attempts, 7);
}

TEST(HaOptionsTest, BadValuesNameTheKey) {
  Configuration c;
  EXPECT_NE(error_of([&] { c.set("high-availability.type", "kubernetes"); }).find("high-availability.type"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              c.set("high-availability.zookeeper.client.session-timeout", "soon");
            }).find("high-availability.zookeeper.client.session-timeout"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              c.set("high-availability.zookeeper.client.max-retry-attempts", "-1");
            }).find("high-availability.zookeeper.client.max-retry-attempts"),
            std::string::npos);

  auto resolved_error = [](const std::string& key, const std::string& value) {
    Configuration c = zookeeper_config();
    c.set(key, value);
    return error_of([&] { resolve_ha_settings(c); });
  };
  for (const char* bad : {"zk1", "zk1:", ":2181", "zk1:99999", "zk1:2181,", "zk1:21x1", "zk1:2181/chroot"}) {
    std::string e = resolved_error("high-availability.zookeeper.quorum", bad);
    EXPECT_NE(e.find("high-availability.zookeeper.quorum"), std::string::npos) << bad << ": " << e;
  }
  for (const char* bad : {"/", "/a//b", "/a/../b", "/zookeeper"}) {
    std::string e = resolved_error("high-availability.zookeeper.path.root", bad);
    EXPECT_NE(e.find("high-availability.zookeeper.path.root"), std::string::npos) << bad << ": " << e;
  }
  EXPECT_NE(resolved_error("high-availability.cluster-id", "a b").find("high-availability.cluster-id"),
            std::string::npos);
  EXPECT_NE(resolved_error("high-availability.zookeeper.client.session-timeout", "0 ms")
                .find("high-availability.zookeeper.client.session-timeout"),
            std::string::npos);
  EXPECT_NE(resolved_error("high-availability.storageDir", "s3://").find("high-availability.storageDir"),
            std::string::npos);
}

TEST(HaOptionsTest, ZooKeeperNeedsAQuorumAndAStorageDir) {
  Configuration c;
  c.set("high-availability.type", "zookeeper");
  c.set("high-availability.storageDir", "/tmp/weir-ha");
  std::string e = error_of([&] { resolve_ha_settings(c); });
  EXPECT_NE(e.find("'high-availability.zookeeper.quorum' is required"), std::string::npos) << e;

  Configuration d;
  d.set("high-availability.type", "zookeeper");
  d.set("high-availability.zookeeper.quorum", "127.0.0.1:2181");
  e = error_of([&] { resolve_ha_settings(d); });
  EXPECT_NE(e.find("'high-availability.storageDir' is required"), std::string::npos) << e;
}

}  // namespace
}  // namespace weir::ha
