#include "weir/cluster/jobmanager/failover.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/cluster/jobmanager/job_master.h"
#include "weir/common/log.h"

namespace weir::cluster {

void Failover::configure(std::unique_ptr<RestartStrategy> strategy, FailoverRegions regions) {
  strategy_ = std::move(strategy);
  regions_ = std::move(regions);
}

std::function<void()> Failover::under_lock(std::function<void()> fn) {
  std::weak_ptr<JobMaster> weak = jm_.weak_from_this();
  // `fn` may use this Failover: the JobMaster owning it is alive while `self` is held.
  return [weak, fn = std::move(fn)] {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard lock(self->mu_);
    fn();
  };
}

void Failover::on_task_failure(const std::string& task, const std::string& error, int vertex, int subtask) {
  if (jm_.status_ != JobStatus::kRunning) return;
  int region = vertex >= 0 && regions_.count() > 1 ? regions_.region_of(vertex, subtask) : -1;
  if (region >= 0 && restarting_regions_.count(region)) return;  // its region is failing over already
  // A pending checkpoint cannot complete: some of its tasks are gone. Restored tasks take their state
  // from the latest completed one.
  if (jm_.coordinator_)
    for (int64_t id : jm_.coordinator_->abort_all("the job is failing over", jm_.now_ms()))
      jm_.notify_tasks_locked(id, false);
  int64_t delay = strategy_ ? strategy_->on_failure(jm_.now_ms()) : -1;
  if (delay < 0) {
    jm_.failure_ = fmt::format("task '{}' failed: {}", task, error);
    if (jm_.history_.total() > 1)
      jm_.failure_ += fmt::format(" (after {} restarts; restart strategy {})",
                                  jm_.attempt_ - jm_.first_attempt_, strategy_->describe());
    restarting_regions_.clear();
    jm_.transition_locked(JobStatus::kFailing);
    jm_.cancel_all_locked();
  } else if (region >= 0) {
    // Region failover: the job stays RUNNING; only this region's tasks are canceled and redeployed.
    // on_task_terminal schedules the restart once the region's tasks ended.
    restarting_regions_[region] = delay;
    cancel_region(region);
  } else {
    restart_delay_ms_ = delay;
    restarting_regions_.clear();
    jm_.transition_locked(JobStatus::kRestarting);
    jm_.cancel_all_locked();
  }
}

void Failover::on_task_terminal(int vertex, int subtask) {
  int region = regions_.region_of(vertex, subtask);
  if (restarting_regions_.count(region) && region_terminal(region)) schedule_region_restart(region);
}

void Failover::cancel_region(int region) {
  for (const auto& [v, i] : regions_.members(region)) {
    const auto& ev = jm_.eg_.at(v, i);
    if (!is_terminal(ev.state)) jm_.cancel_task_locked(ev);
  }
}

bool Failover::region_terminal(int region) const {
  for (const auto& [v, i] : regions_.members(region))
    if (!is_terminal(jm_.eg_.vertices()[v][i].state)) return false;
  return true;
}

// Every task of a failing region has ended: redeploy it after the delay.
void Failover::schedule_region_restart(int region) {
  jm_.timer_.schedule(std::chrono::milliseconds(restarting_regions_.at(region)),
                      under_lock([this, region] { restart_region(region); }));
}

void Failover::restart_region(int region) {
  if (jm_.status_ != JobStatus::kRunning || jm_.suspended_ || !restarting_regions_.count(region)) return;
  // Still restarting when the checkpoint has been read (a full failover or a cancel meanwhile takes over).
  auto wanted = [this, region] {
    return jm_.status_ == JobStatus::kRunning && !jm_.suspended_ && restarting_regions_.count(region) > 0;
  };
  restore_latest_then(wanted, [this, region](bool ok) {
    restarting_regions_.erase(region);
    if (!ok) {
      jm_.transition_locked(JobStatus::kFailing);
      jm_.cancel_all_locked();
      return;
    }
    for (const auto& [v, i] : regions_.members(region)) {
      jm_.sources_at_end_.erase({v, i});
      jm_.deploy_task_locked(v, i);
    }
  });
}

void Failover::schedule_restart() {
  jm_.timer_.schedule(std::chrono::milliseconds(restart_delay_ms_), under_lock([this] { restart(); }));
}

void Failover::restart() {
  if (jm_.status_ != JobStatus::kRestarting || jm_.suspended_) return;
  if (!jm_.ensure_slots_locked(under_lock([this] { restart(); }))) return;
  auto wanted = [this] { return jm_.status_ == JobStatus::kRestarting && !jm_.suspended_; };
  restore_latest_then(wanted, [this](bool ok) {
    if (!ok) {
      jm_.transition_locked(JobStatus::kFailed);
      jm_.end_locked();
      return;
    }
    jm_.transition_locked(JobStatus::kRunning);
    jm_.deploy_locked();
  });
}

// The JobMaster's restore point becomes the newest readable completed checkpoint (or stays the savepoint the
// job started from when there is none yet). Reads only _metadata files, on the lane: after every completion
// under way (a checkpoint whose metadata is being written when the failover begins is restored from once
// it is complete). Not ok when checkpoints were retained but none can be read: the failure then says why,
// and restarting from older state would repeat what sinks committed since (unless
// execution.checkpointing.recover-without-checkpoint).
void Failover::restore_latest_then(std::function<bool()> wanted, std::function<void(bool)> then) {
  struct Read {
    std::vector<std::pair<int64_t, std::string>> candidates;  // newest first
    std::shared_ptr<checkpoint::CompletedCheckpoint> got;
    std::vector<std::pair<int64_t, std::string>> errors;  // (id, why) of those that could not be read
  };
  auto r = std::make_shared<Read>();
  JobMaster& jm = jm_;
  jm.lane_locked().post(
      {[&jm, r]() -> IoLane::Io {
         if (!jm.coordinator_) return nullptr;
         for (auto it = jm.coordinator_->retained().rbegin(); it != jm.coordinator_->retained().rend(); ++it)
           r->candidates.emplace_back(it->id, it->path);
         if (r->candidates.empty()) return nullptr;
         return [r] {
           for (const auto& [id, path] : r->candidates) {
             try {
               r->got = std::make_shared<checkpoint::CompletedCheckpoint>(checkpoint::load_checkpoint(path));
               return;
             } catch (const std::exception& e) {
               r->errors.emplace_back(id, e.what());
             }
           }
         };
       },
       [&jm, r, wanted = std::move(wanted), then = std::move(then)](std::exception_ptr) {
         if (!wanted()) return;
         ++jm.attempt_;
         std::vector<std::string> reasons;
         for (const auto& [id, why] : r->errors) {
           reasons.push_back(fmt::format("checkpoint {}: {}", id, why));
           log::get("jobmanager")
               .warn("job {}: cannot restore checkpoint {}, trying an older one: {}", jm.id_.to_string(), id,
                     why);
         }
         if (r->got) {
           jm.restore_ = r->got;
           jm.coordinator_->on_restored(jm.restore_->metadata.checkpoint_id, jm.restore_->path,
                                        jm.restore_->metadata.savepoint, jm.now_ms());
           then(true);
           return;
         }
         if (r->candidates.empty() || jm.jg_->config.get_bool(options::kRecoverWithoutCheckpoint)) {
           then(true);
           return;
         }
         jm.failure_ = fmt::format(
             "none of the {} retained checkpoints can be read, so the job cannot recover without losing or "
             "repeating output ({}); set execution.checkpointing.recover-without-checkpoint=true to restart "
             "from {} anyway",
             reasons.size(), fmt::join(reasons, "; "),
             jm.restore_ ? "the savepoint it started from" : "no state");
         jm.history_.record({jm.now_ms(), jm.attempt_, "(restore)", jm.failure_});
         then(false);
       }});
}

}  // namespace weir::cluster
