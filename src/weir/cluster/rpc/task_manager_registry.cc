#include "weir/cluster/rpc/task_manager_registry.h"

namespace weir::cluster::rpc {

const char* to_string(TaskManagerStatus s) {
  switch (s) {
    case TaskManagerStatus::kAlive:
      return "ALIVE";
    case TaskManagerStatus::kLost:
      return "LOST";
    case TaskManagerStatus::kDisconnected:
      return "DISCONNECTED";
  }
  return "?";
}

bool TaskManagerRegistry::register_task_manager(const std::string& id, const std::string& rpc_address,
                                                int data_port, int num_slots, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = task_managers_.try_emplace(id);
  TaskManagerRecord& r = it->second;
  r.id = id;
  r.rpc_address = rpc_address;
  r.data_port = data_port;
  r.num_slots = num_slots;
  r.offered_slots.clear();  // a re-registered TaskManager offers its slots again
  r.last_heartbeat = now;
  r.status = TaskManagerStatus::kAlive;
  return inserted;
}

std::vector<int> TaskManagerRegistry::offer_slots(const std::string& id, const std::vector<int>& slots) {
  std::lock_guard lock(mu_);
  std::vector<int> accepted;
  auto it = task_managers_.find(id);
  if (it == task_managers_.end() || it->second.status != TaskManagerStatus::kAlive) return accepted;
  for (int s : slots) {
    if (s < 0 || s >= it->second.num_slots) continue;
    it->second.offered_slots.insert(s);
    accepted.push_back(s);
  }
  return accepted;
}

bool TaskManagerRegistry::heartbeat(const std::string& id, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = task_managers_.find(id);
  if (it == task_managers_.end() || it->second.status != TaskManagerStatus::kAlive) return false;
  if (now > it->second.last_heartbeat) it->second.last_heartbeat = now;
  return true;
}

bool TaskManagerRegistry::disconnect(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = task_managers_.find(id);
  if (it == task_managers_.end() || it->second.status != TaskManagerStatus::kAlive) return false;
  it->second.status = TaskManagerStatus::kDisconnected;
  it->second.offered_slots.clear();
  return true;
}

std::vector<TaskManagerRecord> TaskManagerRegistry::expire(Clock::time_point now,
                                                           std::chrono::milliseconds timeout) {
  std::lock_guard lock(mu_);
  std::vector<TaskManagerRecord> lost;
  for (auto& [id, r] : task_managers_) {
    if (r.status != TaskManagerStatus::kAlive || now - r.last_heartbeat <= timeout) continue;
    r.status = TaskManagerStatus::kLost;
    r.offered_slots.clear();
    lost.push_back(r);
  }
  lost_total_ += static_cast<int64_t>(lost.size());
  return lost;
}

int64_t TaskManagerRegistry::lost_total() const {
  std::lock_guard lock(mu_);
  return lost_total_;
}

std::vector<TaskManagerRecord> TaskManagerRegistry::all() const {
  std::lock_guard lock(mu_);
  std::vector<TaskManagerRecord> out;
  for (const auto& [id, r] : task_managers_) out.push_back(r);
  return out;
}

std::vector<TaskManagerRecord> TaskManagerRegistry::alive() const {
  std::lock_guard lock(mu_);
  std::vector<TaskManagerRecord> out;
  for (const auto& [id, r] : task_managers_)
    if (r.status == TaskManagerStatus::kAlive) out.push_back(r);
  return out;
}

}  // namespace weir::cluster::rpc
