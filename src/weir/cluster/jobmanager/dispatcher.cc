#include "weir/cluster/jobmanager/dispatcher.h"

#include <algorithm>

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::cluster {

namespace {

constexpr size_t kMaxFailureInSummary = 4096;

JobSummary summary_of(const JobMaster& jm) {
  JobSummary s{jm.id(), jm.name(), jm.status()};
  s.start_ms = jm.start_time_ms();
  s.end_ms = jm.end_time_ms();
  s.restarts = jm.attempt();
  s.failure = jm.failure().substr(0, kMaxFailureInSummary);
  return s;
}

}  // namespace

Dispatcher::Dispatcher(std::shared_ptr<ResourceManagerGateway> rm, JobTerminalCallback on_job_terminal,
                       JobStoreOptions store)
    : rm_(std::move(rm)), on_job_terminal_(std::move(on_job_terminal)), store_(store) {}

Dispatcher::~Dispatcher() {
  io_->shutdown();
}

std::shared_ptr<JobMaster> Dispatcher::make_job(std::shared_ptr<const graph::JobGraph> jg,
                                                std::shared_ptr<Clock> clock, const JobId& id) {
  // The JobMaster calls back with its id under its own lock; the callback gets the JobMaster itself, so
  // that it never needs the Dispatcher (whose lock comes first) to find it, and works after it left the
  // store.
  auto self = std::make_shared<std::weak_ptr<JobMaster>>();
  std::function<void(const JobId&)> on_terminal;
  if (on_job_terminal_)
    on_terminal = [cb = on_job_terminal_, self](const JobId& job) { cb(job, self->lock()); };
  auto jm =
      std::make_shared<JobMaster>(id, std::move(jg), rm_, std::move(clock), std::move(on_terminal), io_);
  *self = jm;
  return jm;
}

std::shared_ptr<JobMaster> Dispatcher::submit_job(std::shared_ptr<const graph::JobGraph> jg,
                                                  std::shared_ptr<Clock> clock) {
  JobId id = JobId::generate();
  auto jm = make_job(std::move(jg), std::move(clock), id);
  {
    std::lock_guard lock(mu_);
    expire_locked();
    jobs_[id] = jm;
  }
  jm->start();
  return jm;
}

std::shared_ptr<JobMaster> Dispatcher::submit_job(std::shared_ptr<const graph::JobGraph> jg,
                                                  std::shared_ptr<Clock> clock, const JobId& id,
                                                  CheckpointHaHooks checkpoint_ha) {
  auto jm = make_job(std::move(jg), std::move(clock), id);
  jm->set_checkpoint_ha_hooks(std::move(checkpoint_ha));
  {
    std::lock_guard lock(mu_);
    expire_locked();
    if (jobs_.count(id)) throw WeirError(fmt::format("job {} runs already", id.to_string()));
    // A recovered job that this JobManager saw end before (it led, lost and regained leadership).
    std::erase_if(archived_, [&](const JobSummary& s) { return s.id == id; });
    jobs_[id] = jm;
  }
  jm->start();
  return jm;
}

void Dispatcher::expire_locked() const {
  const int64_t now = SystemClock::shared()->now_ms();
  struct Ended {
    int64_t end_ms;
    JobId id;
  };
  std::vector<Ended> ended;
  for (const auto& [id, jm] : jobs_) {
    int64_t end = jm->end_time_ms();
    if (end > 0 && is_terminal(jm->status())) ended.push_back({end, id});
  }
  std::sort(ended.begin(), ended.end(), [](const Ended& a, const Ended& b) { return a.end_ms < b.end_ms; });
  const size_t capacity = static_cast<size_t>(std::max<int64_t>(store_.max_capacity, 0));
  for (size_t i = 0; i < ended.size(); ++i) {
    const bool expired = now - ended[i].end_ms >= store_.expiration.count();
    const bool over_capacity = ended.size() - i > capacity;  // the oldest go first
    if (!expired && !over_capacity) continue;
    auto it = jobs_.find(ended[i].id);
    JobSummary s = summary_of(*it->second);
    s.archived = true;
    archived_.push_back(std::move(s));
    jobs_.erase(it);
  }
  while (archived_.size() > JobStoreOptions::kArchivedSummaries) archived_.pop_front();
}

void Dispatcher::suspend_all(const std::string& why) {
  std::map<JobId, std::shared_ptr<JobMaster>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(jobs_);
  }
  for (auto& [id, jm] : all) jm->suspend(why);
}

std::shared_ptr<JobMaster> Dispatcher::job(const JobId& id) const {
  std::lock_guard lock(mu_);
  expire_locked();
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<JobMaster>> Dispatcher::jobs() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<JobMaster>> out;
  for (const auto& [id, jm] : jobs_) out.push_back(jm);
  return out;
}

std::optional<JobSummary> Dispatcher::archived(const JobId& id) const {
  std::lock_guard lock(mu_);
  expire_locked();
  for (auto it = archived_.rbegin(); it != archived_.rend(); ++it)
    if (it->id == id) return *it;
  return std::nullopt;
}

std::vector<JobSummary> Dispatcher::list_jobs() const {
  std::lock_guard lock(mu_);
  expire_locked();
  std::vector<JobSummary> out;
  for (const auto& [id, jm] : jobs_) out.push_back(summary_of(*jm));
  out.insert(out.end(), archived_.begin(), archived_.end());
  return out;
}

void Dispatcher::cancel_all() {
  std::vector<std::shared_ptr<JobMaster>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, jm] : jobs_) all.push_back(jm);
  }
  for (auto& jm : all) jm->cancel();
  for (auto& jm : all) jm->wait();
}

}  // namespace weir::cluster
