#include "weir/cluster/rest/metric_history.h"

#include <set>

#include "weir/common/failure_points.h"
#include "weir/common/log.h"
#include "weir/common/thread_name.h"
#include "weir/common/time.h"

namespace weir::cluster::rest {

MetricHistory::MetricHistory(Dispatcher* dispatcher, std::chrono::milliseconds interval, size_t capacity)
    : dispatcher_(dispatcher), interval_(interval), capacity_(capacity) {
  if (dispatcher_)
    thread_ = std::thread([this] {
      set_thread_name("rest-metrics");
      run();
    });
}

MetricHistory::~MetricHistory() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<MetricSample> MetricHistory::samples(const JobId& job) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(job.to_string());
  if (it == jobs_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void MetricHistory::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    try {
      WEIR_FAILURE_POINT("rest.metric-history.round");
      sample_all();
    } catch (const std::exception& e) {  // a round lost; the history goes on (the process must not end)
      log::get("rest").warn("the metric history's sampling round failed: {}", e.what());
    } catch (...) {
      log::get("rest").warn("the metric history's sampling round failed with an unknown exception");
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void MetricHistory::sample_all() {
  std::set<std::string> listed;
  for (const auto& entry : dispatcher_->list_jobs()) {
    // A round asks TaskManagers over gRPC (1 s deadline each): stop between jobs when asked, so that a
    // JobManager losing its leadership is not held up by a round of an unreachable TaskManager.
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    std::string key = entry.id.to_string();
    listed.insert(key);
    if (is_terminal(entry.status)) continue;  // its tasks are gone: keep the last samples
    auto job = dispatcher_->job(entry.id);
    if (!job) continue;
    MetricSample sample;
    sample.time_ms = SystemClock::shared()->now_ms();
    ExecutionGraph eg = job->snapshot();
    for (size_t v = 0; v < eg.vertices().size(); ++v) {
      auto counters = job->task_counters(static_cast<int>(v));
      std::vector<SubtaskSample> subtasks;
      for (size_t i = 0; i < eg.vertices()[v].size(); ++i)
        subtasks.push_back(
            SubtaskSample{eg.vertices()[v][i].attempt, i < counters.size() ? counters[i] : std::nullopt});
      sample.vertices.push_back(std::move(subtasks));
    }
    std::lock_guard lock(mu_);
    auto& samples = jobs_[key];
    samples.push_back(std::move(sample));
    while (samples.size() > capacity_) samples.pop_front();
  }
  std::lock_guard lock(mu_);
  for (auto it = jobs_.begin(); it != jobs_.end();)
    it = listed.count(it->first) ? std::next(it) : jobs_.erase(it);
}

}  // namespace weir::cluster::rest
