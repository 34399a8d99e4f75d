#pragma once
// Client calls a person makes against a running JobManager (the `weir` CLI's cluster commands).
// Plain blocking calls; safe from any thread.
#include <chrono>
#include <string>
#include <vector>

namespace weir::cluster::rpc {

struct TaskManagerSummary {
  std::string id;
  std::string rpc_address;
  int data_port = 0;
  int num_slots = 0;
  int offered_slots = 0;
  std::string status;  //!< ALIVE, LOST or DISCONNECTED
  int64_t millis_since_heartbeat = 0;
};

//! Checks that `address` has the form HOST:PORT with a port in 1..65535; throws ConfigError otherwise.
void check_host_port(const std::string& flag, const std::string& address);

//! The TaskManagers the JobManager at `address` (HOST:PORT) knows. Throws WeirError naming the address
//! when it cannot be reached within `timeout`.
std::vector<TaskManagerSummary> list_task_managers(const std::string& address,
                                                   std::chrono::milliseconds timeout);

}  // namespace weir::cluster::rpc
