#include "weir/cluster/rpc/cluster_client.h"

#include <charconv>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include "weir/cluster/rpc/cluster.grpc.pb.h"
#include "weir/common/error.h"

namespace weir::cluster::rpc {

void check_host_port(const std::string& flag, const std::string& address) {
  auto colon = address.rfind(':');
  int port = 0;
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < address.size();
  if (ok) {
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    auto [p, ec] = std::from_chars(first, last, port);
    ok = ec == std::errc() && p == last && port >= 1 && port <= 65535;
  }
  if (!ok)
    throw ConfigError(
        fmt::format("invalid {} '{}': expected HOST:PORT with a port in 1-65535", flag, address));
}

std::vector<TaskManagerSummary> list_task_managers(const std::string& address,
                                                   std::chrono::milliseconds timeout) {
  auto stub =
      weir::rpc::JobManagerService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  weir::rpc::ListTaskManagersResponse resp;
  grpc::Status st = stub->ListTaskManagers(&ctx, weir::rpc::ListTaskManagersRequest{}, &resp);
  if (!st.ok())
    throw WeirError(fmt::format("cannot reach the JobManager at {}: {}", address, st.error_message()));
  std::vector<TaskManagerSummary> out;
  for (const auto& tm : resp.task_managers())
    out.push_back({tm.task_manager_id(), tm.rpc_address(), tm.data_port(), tm.num_slots(), tm.offered_slots(),
                   tm.status(), tm.millis_since_heartbeat()});
  return out;
}

}  // namespace weir::cluster::rpc
