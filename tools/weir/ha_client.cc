#include "ha_client.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/ha/ha_options.h"
#include "weir/ha/ha_paths.h"
#include "weir/ha/ha_services.h"
#include "weir/ha/leader_retrieval.h"
#include "weir/ha/zookeeper_client.h"

namespace weir::cli {

std::optional<std::string> leader_rest_address(const Configuration& conf) {
  ha::HaSettings settings = ha::resolve_ha_settings(conf);
  if (settings.type != ha::HaType::kZooKeeper) return std::nullopt;
  auto zk = ha::ZooKeeperClient::connect(settings.zookeeper);
  ha::HaPaths paths = ha::HaPaths::of(settings);
  const std::string node = paths.leader(ha::ZooKeeperHaServices::kJobManager);
  const auto deadline = std::chrono::steady_clock::now() + settings.zookeeper.connection_timeout;
  for (;;) {
    if (auto got = zk->get(node)) {
      std::string rest = ha::LeaderInfo::from_json(got->first, node).rest_address;
      if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
      return rest;
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw WeirError(
          fmt::format("no leader JobManager is published at {} in ZooKeeper {} (waited {} ms, "
                      "high-availability.zookeeper.client.connection-timeout)",
                      node, settings.zookeeper.quorum, settings.zookeeper.connection_timeout.count()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling another process's election
  }
}

namespace {
std::optional<Configuration>& ha_configuration() {  // the CLI's main thread only
  static std::optional<Configuration> conf;
  return conf;
}
}  // namespace

std::string resolve_jobmanager(const std::string& jobmanager, const Configuration& conf) {
  if (!jobmanager.empty()) return jobmanager;
  auto leader = leader_rest_address(conf);
  if (leader) ha_configuration() = conf;
  return leader.value_or("");
}

std::optional<std::string> leader_after_failure() {
  if (!ha_configuration()) return std::nullopt;
  try {
    return leader_rest_address(*ha_configuration());
  } catch (const WeirError&) {
    return std::nullopt;
  }
}

}  // namespace weir::cli
