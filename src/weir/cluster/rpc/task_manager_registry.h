#pragma once
// The JobManager's view of its TaskManagers: who registered, where they are, which slots they offered,
// and when each was last heard from. Time is passed in, so the rules can be tested without sleeping.
//
// Threading: every method is safe to call from any thread (one mutex guards the map); it never calls
// out while holding it.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace weir::cluster::rpc {

enum class TaskManagerStatus { kAlive, kLost, kDisconnected };
const char* to_string(TaskManagerStatus s);

struct TaskManagerRecord {
  std::string id;
  std::string rpc_address;  //!< HOST:PORT of its TaskManagerService
  int data_port = 0;
  int num_slots = 0;
  std::set<int> offered_slots;
  std::chrono::steady_clock::time_point last_heartbeat;
  TaskManagerStatus status = TaskManagerStatus::kAlive;
};

class TaskManagerRegistry {
 public:
  using Clock = std::chrono::steady_clock;

  //! Adds a TaskManager, or revives one with the same id (a re-registration); returns true when new.
  bool register_task_manager(const std::string& id, const std::string& rpc_address, int data_port,
                             int num_slots, Clock::time_point now);
  //! Accepts the offered slots that exist (index < num_slots) of a live TaskManager; returns them.
  std::vector<int> offer_slots(const std::string& id, const std::vector<int>& slots);
  //! Records a heartbeat (from the TaskManager or its answer to ours). False when the id is unknown or
  //! no longer alive: the TaskManager must register again.
  bool heartbeat(const std::string& id, Clock::time_point now);
  //! The TaskManager said goodbye (it is shutting down); false when it was not alive.
  bool disconnect(const std::string& id);
  //! Marks every live TaskManager not heard from for longer than `timeout` as lost; returns them, with
  //! their last heartbeat, for the log.
  std::vector<TaskManagerRecord> expire(Clock::time_point now, std::chrono::milliseconds timeout);

  std::vector<TaskManagerRecord> all() const;
  std::vector<TaskManagerRecord> alive() const;
  //! How many times expire() has marked a TaskManager lost (the REST metrics' counter).
  int64_t lost_total() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, TaskManagerRecord> task_managers_;  // REQUIRES: mu_ held
  int64_t lost_total_ = 0;                                  // REQUIRES: mu_ held
};

}  // namespace weir::cluster::rpc
