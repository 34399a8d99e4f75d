#pragma once
// The JobManager process's control-plane server: the JobManagerService (TaskManager registration, slot
// offers, heartbeats, disconnects, listing) and the heartbeat monitor that sends heartbeats to every live
// TaskManager and marks one lost when it has not been heard from for heartbeat.timeout.
//
// Threading: gRPC's server threads run the service methods; one monitor thread sends heartbeats
// (asynchronously, answers arrive on gRPC's threads) and expires TaskManagers. Shared state is the
// TaskManagerRegistry, which is thread-safe.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "weir/cluster/rpc/rpc_options.h"
#include "weir/cluster/rpc/task_manager_registry.h"
#include "weir/common/config.h"

namespace grpc {
class Server;
}

namespace weir::cluster::rpc {

class JobManagerServer {
 public:
  //! Binds jobmanager.rpc.address:jobmanager.rpc.port (0 = any free port) and starts serving; throws
  //! ConfigError for bad heartbeat settings and WeirError when the address cannot be bound.
  explicit JobManagerServer(const Configuration& conf);
  ~JobManagerServer();
  JobManagerServer(const JobManagerServer&) = delete;
  JobManagerServer& operator=(const JobManagerServer&) = delete;

  //! HOST:PORT with the port actually bound.
  const std::string& address() const { return address_; }
  const std::string& id() const { return id_; }
  TaskManagerRegistry& registry() { return registry_; }
  //! Stops the monitor and the server; idempotent.
  void shutdown();

 private:
  class Service;
  void monitor_loop();

  HeartbeatSettings heartbeat_;
  std::string id_;
  std::string address_;
  TaskManagerRegistry registry_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // REQUIRES: mu_ held
  std::thread monitor_;
};

}  // namespace weir::cluster::rpc
