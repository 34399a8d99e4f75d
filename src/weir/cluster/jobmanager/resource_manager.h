#pragma once
// Tracks registered TaskExecutors and their slots, and hands slots to jobs.
//
// Threading: all methods thread-safe (mu_).
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "weir/cluster/gateways.h"
#include "weir/common/config.h"

namespace weir::options {
extern const ConfigOption<Duration> kSlotRequestTimeout;  // slot.request.timeout
}  // namespace weir::options

namespace weir::cluster {

class ResourceManager final : public ResourceManagerGateway {
 public:
  //! `elastic`: TaskManagers come and go (a standalone cluster), so jobs may wait for slots.
  explicit ResourceManager(bool elastic = false) : elastic_(elastic) {}
  void register_task_executor(std::shared_ptr<TaskExecutorGateway> te) override;
  void unregister_task_executor(NodeId id) override;
  bool elastic() const override { return elastic_; }
  std::shared_ptr<TaskExecutorGateway> task_executor(NodeId id) const override;
  std::vector<SlotOffer> allocate_slots(const JobId& job, int n) override;
  void release_slots(const JobId& job) override;
  int total_slots() const override;
  int free_slots() const override;
  std::vector<std::shared_ptr<TaskExecutorGateway>> task_executors() const;
  struct TaskManagerSlots {
    int total = 0;
    int free = 0;  //!< no job holds it
  };
  //! Per TaskManager (by TaskExecutorGateway::name()), its slots here and how many are free.
  std::map<std::string, TaskManagerSlots> slots_by_task_manager() const;

 private:
  struct Slot {
    SlotOffer offer;
    bool allocated = false;
    JobId job;
  };
  const bool elastic_;
  mutable std::mutex mu_;
  std::map<NodeId, std::shared_ptr<TaskExecutorGateway>> executors_;
  std::vector<Slot> slots_;
};

}  // namespace weir::cluster
