#include "weir/cluster/jobmanager/resource_manager.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::options {

const ConfigOption<Duration> kSlotRequestTimeout{
    {"slot.request.timeout", ConfigType::kDuration, "5 min",
     "How long a job on a standalone cluster waits for enough free task slots (at submission and when "
     "restarting after a TaskManager was lost) before it fails. The embedded MiniCluster never waits."}};

}  // namespace weir::options

namespace weir::cluster {

void ResourceManager::register_task_executor(std::shared_ptr<TaskExecutorGateway> te) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < te->num_slots(); ++i) slots_.push_back({{te->id(), i}, false, {}});
  executors_[te->id()] = std::move(te);
}

void ResourceManager::unregister_task_executor(NodeId id) {
  std::lock_guard lock(mu_);
  executors_.erase(id);
  std::erase_if(slots_, [id](const Slot& s) { return s.offer.task_manager == id; });
}

std::shared_ptr<TaskExecutorGateway> ResourceManager::task_executor(NodeId id) const {
  std::lock_guard lock(mu_);
  auto it = executors_.find(id);
  return it == executors_.end() ? nullptr : it->second;
}

std::vector<SlotOffer> ResourceManager::allocate_slots(const JobId& job, int n) {
  std::lock_guard lock(mu_);
  std::vector<Slot*> free;
  for (auto& s : slots_)
    if (!s.allocated) free.push_back(&s);
  if (static_cast<int>(free.size()) < n)
    throw WeirError(
        fmt::format("not enough task slots: the job needs {} (its highest parallelism), the cluster has "
                    "{} free of {}; add TaskManagers or raise taskmanager.numberOfTaskSlots",
                    n, free.size(), slots_.size()));
  // Spread over TaskManagers: take slot k of every TaskManager before slot k+1 of any.
  std::stable_sort(free.begin(), free.end(),
                   [](const Slot* a, const Slot* b) { return a->offer.slot_index < b->offer.slot_index; });
  std::vector<SlotOffer> out;
  for (int i = 0; i < n; ++i) {
    free[i]->allocated = true;
    free[i]->job = job;
    out.push_back(free[i]->offer);
  }
  return out;
}

void ResourceManager::release_slots(const JobId& job) {
  std::lock_guard lock(mu_);
  for (auto& s : slots_)
    if (s.allocated && s.job == job) s.allocated = false;
}

int ResourceManager::total_slots() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(slots_.size());
}

int ResourceManager::free_slots() const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& s : slots_) n += s.allocated ? 0 : 1;
  return n;
}

std::vector<std::shared_ptr<TaskExecutorGateway>> ResourceManager::task_executors() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<TaskExecutorGateway>> out;
  for (auto& [id, te] : executors_) out.push_back(te);
  return out;
}

std::map<std::string, ResourceManager::TaskManagerSlots> ResourceManager::slots_by_task_manager() const {
  std::lock_guard lock(mu_);
  std::map<std::string, TaskManagerSlots> out;
  for (const auto& s : slots_) {
    auto it = executors_.find(s.offer.task_manager);
    if (it == executors_.end()) continue;
    auto& c = out[it->second->name()];
    ++c.total;
    if (!s.allocated) ++c.free;
  }
  return out;
}

}  // namespace weir::cluster
