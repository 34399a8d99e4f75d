// The JobManager's TaskManager registry and the heartbeat settings, with time passed in (no sleeping).
#include <chrono>

#include <gtest/gtest.h>

#include "weir/cluster/rpc/rpc_options.h"
#include "weir/cluster/rpc/task_manager_registry.h"
#include "weir/common/error.h"

namespace weir::cluster::rpc {
namespace {

using namespace std::chrono_literals;
using Clock = TaskManagerRegistry::Clock;

TEST(TaskManagerRegistry, RegistersAndAcceptsOnlyExistingSlots) {
  TaskManagerRegistry reg;
  auto t0 = Clock::now();
  EXPECT_TRUE(reg.register_task_manager("tm-a", "127.0.0.1:1", 7000, 2, t0));
  EXPECT_EQ(reg.offer_slots("tm-a", {0, 1, 2, -1}), (std::vector<int>{0, 1}));
  EXPECT_TRUE(reg.offer_slots("tm-unknown", {0}).empty());
  auto all = reg.all();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].offered_slots.size(), 2u);
  EXPECT_EQ(all[0].data_port, 7000);
}

TEST(TaskManagerRegistry, LostExactlyWhenSilentLongerThanTheTimeout) {
  TaskManagerRegistry reg;
  auto t0 = Clock::now();
  reg.register_task_manager("tm-a", "a:1", 0, 1, t0);
  reg.register_task_manager("tm-b", "b:1", 0, 1, t0);
  EXPECT_TRUE(reg.heartbeat("tm-a", t0 + 1500ms));
  EXPECT_TRUE(reg.expire(t0 + 2000ms, 2000ms).empty());  // exactly the timeout: not yet
  auto lost = reg.expire(t0 + 2001ms, 2000ms);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].id, "tm-b");
  EXPECT_EQ(reg.alive().size(), 1u);
  EXPECT_TRUE(reg.expire(t0 + 2002ms, 2000ms).empty());  // reported once
  EXPECT_EQ(reg.lost_total(), 1);                        // counted once too (the REST metric)
  // A lost TaskManager's heartbeats are refused, so it registers again, and then it is alive.
  EXPECT_FALSE(reg.heartbeat("tm-b", t0 + 2100ms));
  EXPECT_FALSE(reg.register_task_manager("tm-b", "b:1", 0, 1, t0 + 2200ms));
  EXPECT_TRUE(reg.heartbeat("tm-b", t0 + 2300ms));
  EXPECT_EQ(reg.alive().size(), 2u);
}

TEST(TaskManagerRegistry, DisconnectEndsHeartbeats) {
  TaskManagerRegistry reg;
  auto t0 = Clock::now();
  reg.register_task_manager("tm-a", "a:1", 0, 1, t0);
  EXPECT_TRUE(reg.disconnect("tm-a"));
  EXPECT_FALSE(reg.disconnect("tm-a"));
  EXPECT_FALSE(reg.heartbeat("tm-a", t0 + 1ms));
  EXPECT_TRUE(reg.expire(t0 + 1h, 1s).empty());  // not reported lost as well
  EXPECT_EQ(reg.all()[0].status, TaskManagerStatus::kDisconnected);
}

TEST(HeartbeatSettings, DefaultsDetectALostPeerWithinSeconds) {
  auto s = HeartbeatSettings::from(Configuration{});
  EXPECT_EQ(s.interval, 500ms);
  EXPECT_EQ(s.timeout, 2000ms);
  Configuration fast;
  fast.set("heartbeat.interval", "50 ms");
  fast.set("heartbeat.timeout", "300 ms");
  EXPECT_EQ(HeartbeatSettings::from(fast).timeout, 300ms);
}

TEST(HeartbeatSettings, RefusesTimeoutNotAboveIntervalAndZeroInterval) {
  auto message = [](const char* interval, const char* timeout) {
    Configuration c;
    c.set("heartbeat.interval", interval);
    c.set("heartbeat.timeout", timeout);
    try {
      HeartbeatSettings::from(c);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("1 s", "1 s").find("'heartbeat.timeout'"), std::string::npos);
  EXPECT_NE(message("2 s", "1 s").find("must be greater than heartbeat.interval"), std::string::npos);
  EXPECT_NE(message("0 ms", "1 s").find("'heartbeat.interval'"), std::string::npos);
}

}  // namespace
}  // namespace weir::cluster::rpc
