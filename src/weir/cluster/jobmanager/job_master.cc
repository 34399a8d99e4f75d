#include "weir/cluster/jobmanager/job_master.h"

#include <set>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/cluster/jobmanager/resource_manager.h"
#include "weir/common/error.h"
#include "weir/common/log.h"

namespace weir::cluster {

JobMaster::JobMaster(JobId id, std::shared_ptr<const graph::JobGraph> jg,
                     std::shared_ptr<ResourceManagerGateway> rm, std::shared_ptr<Clock> clock,
                     std::function<void(const JobId&)> on_terminal, std::shared_ptr<IoExecutor> io)
    : id_(id),
      jg_(std::move(jg)),
      rm_(std::move(rm)),
      clock_(std::move(clock)),
      on_terminal_(std::move(on_terminal)),
      eg_(*jg_),
      io_(io ? std::move(io) : std::make_shared<IoExecutor>(1)) {}

JobMaster::~JobMaster() {
  timer_.stop();
}

namespace {
// Checks that every operator state in a savepoint has an operator to go to.
void check_unclaimed_state(const checkpoint::CompletedCheckpoint& r, const graph::JobGraph& jg, bool allow) {
  std::set<std::string> ids;
  for (const auto& n : jg.stream_graph->nodes()) ids.insert(graph::operator_id_of(n));
  for (const auto& t : r.metadata.tasks)
    for (const auto& op : t.operators)
      if (op.has_state && !ids.count(op.operator_id) && !allow)
        throw JobDefinitionError(
            fmt::format("the savepoint '{}' holds state of operator '{}', which this job does not have; give "
                        "the operator the "
                        "same uid, or allow it with execution.savepoint.ignore-unclaimed-state=true",
                        r.path, op.operator_id));
}
}  // namespace

// REQUIRES: mu_ held. The job's I/O lane, made at first use (it needs weak_from_this(): not in the
// constructor; a cancel may come before start()).
IoLane& JobMaster::lane_locked() {
  if (!lane_) {
    std::weak_ptr<JobMaster> weak = weak_from_this();
    lane_ = std::make_unique<IoLane>(io_, [weak](const std::function<void()>& fn) {
      auto self = weak.lock();
      if (!self) return false;
      std::lock_guard lock(self->mu_);
      fn();
      return true;
    });
  }
  return *lane_;
}

void JobMaster::start() {
  // Reading the savepoint to start from, and with HA the shared-state lists of the recovered checkpoints,
  // happens before the lock is taken: nothing else knows this JobMaster's state yet.
  std::unique_ptr<CheckpointCoordinator> coordinator;
  std::unique_ptr<RestartStrategy> restart_strategy;
  FailoverRegions regions;
  std::shared_ptr<checkpoint::CompletedCheckpoint> restore;
  std::string failure;
  const int64_t start_ms = now_ms();
  size_t history_size = history_.capacity();
  try {
    const auto& conf = jg_->config;
    history_size = static_cast<size_t>(conf.get_int(options::kExceptionHistorySize));
    auto settings = CheckpointSettings::from_config(conf);
    coordinator = std::make_unique<CheckpointCoordinator>(id_.to_string(), jg_, settings, checkpoint_ha_);
    restart_strategy = RestartStrategy::from_config(conf, settings.interval_ms > 0);
    regions = FailoverRegions(*jg_, conf.get_string(options::kFailoverStrategy) == "full");
    std::string from = conf.get_string(options::kSavepointPath);
    if (!from.empty()) {
      auto r = std::make_shared<checkpoint::CompletedCheckpoint>(checkpoint::load_checkpoint(from));
      check_unclaimed_state(*r, *jg_, conf.get_bool(options::kIgnoreUnclaimedState));
      restore = std::move(r);
      coordinator->on_restored(restore->metadata.checkpoint_id, restore->path, restore->metadata.savepoint,
                               start_ms);
    }
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty()) failure = "the job could not start";
  }
  std::lock_guard lock(mu_);
  if (status_ != JobStatus::kCreated || suspended_) return;  // canceled or suspended before it started
  start_ms_ = start_ms;
  attempt_ = first_attempt_ = checkpoint_ha_.first_attempt;
  history_.set_capacity(history_size);
  if (!failure.empty()) {
    failure_ = std::move(failure);
    transition_locked(JobStatus::kFailed);
    end_locked();
    return;
  }
  coordinator_ = std::move(coordinator);
  coordinator_->set_io(&lane_locked(),
                       [this](const CompletedCheckpoint& c) { on_checkpoint_completed_locked(c); });
  failover_.configure(std::move(restart_strategy), std::move(regions));
  restore_ = std::move(restore);
  start_running_locked();
}

// Runs on the timer thread while the job waits for slots at submission.
void JobMaster::start_running() {
  std::lock_guard lock(mu_);
  if (status_ != JobStatus::kCreated || suspended_) return;  // canceled or suspended meanwhile
  start_running_locked();
}

// REQUIRES: mu_ held. Deploys once there are slots; until then start_running() retries.
void JobMaster::start_running_locked() {
  std::weak_ptr<JobMaster> weak = weak_from_this();
  if (!ensure_slots_locked([weak] {
        if (auto self = weak.lock()) self->start_running();
      }))
    return;
  transition_locked(JobStatus::kRunning);
  deploy_locked();
  schedule_periodic();
}

// REQUIRES: mu_ held.
bool JobMaster::ensure_slots_locked(std::function<void()> retry) {
  const int needed = jg_->max_vertex_parallelism();
  // Slots on TaskManagers still registered are kept, and only those of lost TaskManagers replaced: a
  // restarted subtask goes back to the TaskManager it ran on, whose local copies of its state it can
  // restore from (local recovery; Flink's scheduler prefers the previous allocation the same way).
  std::vector<size_t> lost;
  if (static_cast<int>(slots_.size()) != needed) {
    rm_->release_slots(id_);
    slots_.clear();
  } else {
    for (size_t i = 0; i < slots_.size(); ++i)
      if (!rm_->task_executor(slots_[i].task_manager)) lost.push_back(i);
    if (lost.empty()) return true;
  }
  try {
    if (slots_.empty()) {
      slots_ = rm_->allocate_slots(id_, needed);
    } else {
      auto fresh = rm_->allocate_slots(id_, static_cast<int>(lost.size()));
      for (size_t k = 0; k < lost.size(); ++k) slots_[lost[k]] = fresh[k];
    }
    if (slot_wait_since_ms_ >= 0)
      log::get("jobmanager")
          .info("job {}: got {} slot(s) after waiting {} ms", id_.to_string(), needed,
                now_ms() - slot_wait_since_ms_);
    slot_wait_since_ms_ = -1;
    return true;
  } catch (const WeirError& e) {
    const int64_t timeout = jg_->config.get_duration(options::kSlotRequestTimeout).count();
    if (rm_->elastic() && slot_wait_since_ms_ < 0) {
      slot_wait_since_ms_ = now_ms();
      log::get("jobmanager")
          .info("job {}: waiting up to {} ms (slot.request.timeout) for slots: {}", id_.to_string(), timeout,
                e.what());
    }
    if (!rm_->elastic() || now_ms() - slot_wait_since_ms_ > timeout) {
      failure_ = rm_->elastic() ? fmt::format("{} (waited {} ms, slot.request.timeout)", e.what(), timeout)
                                : std::string(e.what());
      history_.record({now_ms(), attempt_, "(slot allocation)", failure_});
      transition_locked(JobStatus::kFailed);
      end_locked();
      return false;
    }
    // Slots come with TaskManagers registering (after a JobManager failover: within milliseconds of the new
    // leader's publication), so the first two seconds are polled every 10 ms, then every 100 ms.
    const bool early = now_ms() - slot_wait_since_ms_ < 2000;
    timer_.schedule(std::chrono::milliseconds(early ? 10 : 100), std::move(retry));
    return false;
  }
}

// REQUIRES: mu_ held. Submits every subtask as attempt attempt_. Tasks report back on their own
// threads; they block on mu_ until this returns.
void JobMaster::deploy_locked() {
  eg_ = ExecutionGraph(*jg_);
  sources_at_end_.clear();
  for (const auto& v : jg_->vertices)
    for (int i = 0; i < v.parallelism; ++i) deploy_task_locked(v.id, i);
}

// REQUIRES: mu_ held. Submits one subtask as attempt attempt_, restored from restore_.
void JobMaster::deploy_task_locked(int vertex, int subtask) {
  auto& ev = eg_.at(vertex, subtask);
  ev.state = ExecutionState::kDeploying;
  ev.attempt = attempt_;
  auto te = rm_->task_executor(slots_[subtask].task_manager);
  ev.task_manager = te ? te->name() : fmt::format("tm-{}", slots_[subtask].task_manager.value());
  placement_[{vertex, subtask}] = slots_[subtask].task_manager;
  TaskDeploymentDescriptor tdd;
  tdd.job = id_;
  tdd.attempt = attempt_;
  tdd.job_graph = jg_;
  tdd.vertex = vertex;
  tdd.subtask = subtask;
  tdd.clock = clock_;
  if (restore_) {
    // The handles this subtask needs: the files holding its operators, cut to its key groups.
    const auto& v = jg_->vertices[vertex];
    std::vector<std::string> ids;
    for (int n : v.nodes) ids.push_back(graph::operator_id_of(jg_->stream_graph->node(n)));
    // At an unchanged parallelism the subtask gets its own old part (and union list state) only.
    const checkpoint::RestoreTarget target{subtask, v.parallelism, v.max_parallelism};
    tdd.restore = std::make_shared<checkpoint::CompletedCheckpoint>(checkpoint::restore_handles_for(
        *restore_, ids, key_group_range_for_subtask(v.max_parallelism, v.parallelism, subtask), &target));
  }
  tdd.locations = locations_locked();
  if (!te) {
    // The TaskManager left between slot allocation and now; its loss fails the job over.
    update_task_execution_state_locked({{id_, attempt_, vertex, subtask},
                                        ExecutionState::kFailed,
                                        "its TaskManager left before the task was deployed"});
    return;
  }
  try {
    te->submit_task(std::move(tdd), shared_from_this());
  } catch (const WeirError& e) {
    // An in-process TaskExecutor refuses at once (shutting down, its reaper failed, the attempt still
    // running there): the attempt failed to deploy and fails over like any other; thrown on, it left the
    // job with a subtask DEPLOYING for ever.
    update_task_execution_state_locked({{id_, attempt_, vertex, subtask},
                                        ExecutionState::kFailed,
                                        fmt::format("its TaskManager refused the deployment: {}", e.what())});
  }
}

// REQUIRES: mu_ held. Where every subtask's data plane is: subtask i of any vertex runs in slot i.
// Empty when no TaskManager has a data plane (everything in this process).
std::vector<std::vector<std::string>> JobMaster::locations_locked() const {
  std::vector<std::vector<std::string>> out;
  bool remote = false;
  for (const auto& v : jg_->vertices) {
    std::vector<std::string> subs;
    for (int i = 0; i < v.parallelism; ++i) {
      auto te = rm_->task_executor(slots_[i].task_manager);
      subs.push_back(te ? te->data_address() : std::string());
      remote = remote || !subs.back().empty();
    }
    out.push_back(std::move(subs));
  }
  if (!remote) out.clear();
  return out;
}

// REQUIRES: mu_ held. Is `id` the current deployment of its subtask (not an earlier attempt's)?
bool JobMaster::is_current_locked(const ExecutionAttemptId& id) const {
  // The id comes from a TaskManager's RPC: a negative or out-of-range index is not this job's attempt.
  return id.vertex >= 0 && id.subtask >= 0 && id.vertex < static_cast<int>(eg_.vertices().size()) &&
         id.subtask < static_cast<int>(eg_.vertices()[id.vertex].size()) &&
         eg_.vertices()[id.vertex][id.subtask].attempt == id.attempt;
}

void JobMaster::update_task_execution_state(const TaskStateUpdate& u) {
  std::lock_guard lock(mu_);
  if (suspended_) return;
  update_task_execution_state_locked(u);
}

void JobMaster::on_task_manager_lost(NodeId tm, const std::string& why) {
  std::lock_guard lock(mu_);
  if (suspended_) return;
  if (is_terminal(status_)) return;
  bool any = false;
  for (const auto& [where, node] : placement_) {
    if (node != tm) continue;
    const auto& ev = eg_.at(where.first, where.second);
    if (is_terminal(ev.state) || ev.attempt != attempt_) continue;
    if (!any) {
      // Its tasks cannot report any more; fail them here. The first failure decides (the restart
      // strategy counts the loss once); a lost TaskManager's slots are gone, so the whole job fails over
      // and finds slots anew (ensure_slots_locked).
      std::string task = fmt::format("{} ({}/{})", eg_.vertex_name(where.first), where.second + 1,
                                     eg_.vertices()[where.first].size());
      eg_.at(where.first, where.second).state = ExecutionState::kFailed;
      on_task_failure_locked(task, why, -1, -1);
      any = true;
    } else {
      eg_.at(where.first, where.second).state = ExecutionState::kFailed;
    }
  }
  if (any && !failover_.regions_restarting() && eg_.all_terminal()) on_all_terminal_locked();
}

// REQUIRES: mu_ held.
void JobMaster::update_task_execution_state_locked(const TaskStateUpdate& u) {
  if (!is_current_locked(u.id) || is_terminal(status_)) return;  // a report of an earlier attempt
  auto& ev = eg_.at(u.id.vertex, u.id.subtask);
  // Ended already: taken as canceled after its cancel was lost (cancel_lost), or failed with its TaskManager.
  // A later report of it changes nothing (its region's restart is not scheduled twice).
  if (is_terminal(ev.state)) return;
  if (u.state == ExecutionState::kRunning && ev.state != ExecutionState::kRunning) ev.running_seq = ++seq_;
  ev.state = u.state;
  std::string task = fmt::format("{} ({}/{})", eg_.vertex_name(u.id.vertex), u.id.subtask + 1,
                                 eg_.vertices()[u.id.vertex].size());
  if (u.state == ExecutionState::kFailed) on_task_failure_locked(task, u.error, u.id.vertex, u.id.subtask);
  if (u.state == ExecutionState::kFinished && coordinator_) {
    // A finished task takes no part in checkpoints any more; pending ones stop waiting for it (those it
    // completes notify the tasks once their metadata is durable: on_checkpoint_completed_locked).
    (void)coordinator_->task_finished(attempt_, u.id.vertex, u.id.subtask, now_ms());
  }
  if (is_terminal(u.state)) failover_.on_task_terminal(u.id.vertex, u.id.subtask);
  if (!failover_.regions_restarting() && eg_.all_terminal()) on_all_terminal_locked();
}

// REQUIRES: mu_ held. `vertex` < 0: not one task's failure (a checkpoint beyond tolerance): the
// whole job fails over.
void JobMaster::on_task_failure_locked(const std::string& task, const std::string& error, int vertex,
                                       int subtask) {
  history_.record({now_ms(), attempt_, task, error});
  stop_.fail_drain(fmt::format("task '{}' failed: {}", task, error));
  failover_.on_task_failure(task, error, vertex, subtask);
}

// REQUIRES: mu_ held. Every subtask of the current attempt has ended.
void JobMaster::on_all_terminal_locked() {
  switch (status_) {
    case JobStatus::kRestarting:
      failover_.schedule_restart();
      return;
    case JobStatus::kFailing:
      transition_locked(JobStatus::kFailed);
      break;
    case JobStatus::kCanceling:
      transition_locked(stop_.stopping() ? JobStatus::kFinished : JobStatus::kCanceled);
      break;
    default:
      transition_locked(eg_.count(ExecutionState::kFinished) == eg_.total() ? JobStatus::kFinished
                                                                            : JobStatus::kFailed);
  }
  end_locked();
}

// REQUIRES: mu_ held.
void JobMaster::end_locked() {
  // As Flink's JobMaster stops its services when the job reaches a globally terminal state: nothing is
  // scheduled for an ended job, and the store may keep this JobMaster for an hour (jobstore.expiration-time).
  // Not joined here: a timer action may be waiting for mu_.
  timer_.stop_soon();
  stop_.fail_drain(fmt::format("the job ended {} before the savepoint", to_string(status_)));
  if (coordinator_) {
    coordinator_->abort_all("the job ended", now_ms());
    coordinator_->on_job_end(status_ == JobStatus::kCanceled, status_ == JobStatus::kFinished);
  }
  rm_->release_slots(id_);
  // The end-of-job callback may wait (the MiniCluster releases the job's channels on the TaskManagers' data
  // planes): it runs on lane_, after the checkpoint files went per the retention; wait() returns after it.
  lane_locked().post({[this]() -> IoLane::Io {
                        if (!on_terminal_) return nullptr;
                        return [cb = on_terminal_, id = id_] { cb(id); };
                      },
                      [this](std::exception_ptr error) {
                        if (error) {
                          try {
                            std::rethrow_exception(error);
                          } catch (const std::exception& e) {
                            log::get("jobmanager")
                                .error("job {}: its end-of-job callback failed: {}", id_.to_string(),
                                       e.what());
                          } catch (...) {
                          }
                        }
                        end_done_ = true;
                        cv_.notify_all();
                      }});
}

void JobMaster::suspend(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (is_terminal(status_) || suspended_) return;
    suspended_ = true;
    if (coordinator_) coordinator_->abort_all("the JobMaster was suspended: " + why, now_ms());
    stop_.fail_drain("the JobMaster was suspended: " + why);
    log::get("jobmanager")
        .info("job {} suspended ({}); its tasks are left to the next leader", id_.to_string(), why);
  }
  cv_.notify_all();
  timer_.stop();  // outside mu_: a timer action may be waiting for it
}

void JobMaster::cancel() {
  std::lock_guard lock(mu_);
  if (is_terminal(status_) || status_ == JobStatus::kCanceling || suspended_) return;
  failover_.forget_region_restarts();  // a region waiting for its restart stays down
  if (status_ == JobStatus::kCreated || status_ == JobStatus::kRestarting) {
    bool tasks_done = eg_.all_terminal();
    transition_locked(tasks_done ? JobStatus::kCanceled : JobStatus::kCanceling);
    cancel_all_locked();
    if (tasks_done) end_locked();
    return;
  }
  transition_locked(JobStatus::kCanceling);
  cancel_all_locked();
  if (eg_.all_terminal()) on_all_terminal_locked();  // e.g. only a restarting region was left
}

// REQUIRES: mu_ held.
void JobMaster::cancel_all_locked() {
  for (const auto& subs : eg_.vertices())
    for (const auto& ev : subs)
      if (!is_terminal(ev.state)) cancel_task_locked(ev);
}

// REQUIRES: mu_ held.
void JobMaster::cancel_task_locked(const ExecutionVertex& ev) {
  send_cancel_locked({id_, ev.attempt, ev.vertex, ev.subtask}, 1);
}

// REQUIRES: mu_ held. Try `tries` of the cancel of `id`. The gateway only queues it; when it is lost (an RPC
// error, or no answer within the RPC's deadline) the gateway calls back on its own thread, not under mu_.
void JobMaster::send_cancel_locked(const ExecutionAttemptId& id, int tries) {
  auto te = rm_->task_executor(placement_[{id.vertex, id.subtask}]);
  if (!te) return;  // its TaskManager is gone: its loss fails the attempt (on_task_manager_lost)
  std::weak_ptr<JobMaster> weak = weak_from_this();
  te->cancel_task(id, [weak, id, tries](const std::string& why) {
    if (auto self = weak.lock()) self->cancel_lost(id, tries, why);
  });
}

void JobMaster::cancel_lost(const ExecutionAttemptId& id, int tries, const std::string& why) {
  std::lock_guard lock(mu_);
  // Nothing to do once the attempt ended, was replaced, or this JobMaster stopped following the job.
  if (suspended_ || is_terminal(status_) || !is_current_locked(id) ||
      is_terminal(eg_.at(id.vertex, id.subtask).state))
    return;
  const std::string task =
      fmt::format("{} ({}/{})", eg_.vertex_name(id.vertex), id.subtask + 1, eg_.vertices()[id.vertex].size());
  if (tries < kCancelTries) {
    log::get("jobmanager")
        .warn("job {}: cancel of attempt {} of {} did not reach its TaskManager ({}); retrying ({} of {})",
              id_.to_string(), id.attempt, task, why, tries + 1, kCancelTries);
    send_cancel_locked(id, tries + 1);
    return;
  }
  // As Flink's Execution: after NUM_CANCEL_CALL_TRIES the attempt fails with "Task could not be canceled.",
  // and a failing CANCELING attempt completes its cancel. The failover or the job's cancel that asked for it
  // goes on; the TaskManager, when it is there, is reconciled by the heartbeat (an attempt the JobMaster does
  // not follow is cancelled there), and a task that got a cancel but does not stop by its cancellation
  // watchdog (task.cancellation.timeout).
  log::get("jobmanager")
      .warn("job {}: attempt {} of {} could not be canceled ({} tries, the last: {}): taking it as canceled",
            id_.to_string(), id.attempt, task, kCancelTries, why);
  update_task_execution_state_locked(
      {id, ExecutionState::kCanceled,
       fmt::format("the task could not be canceled ({} tries): {}", kCancelTries, why)});
}

void JobMaster::transition_locked(JobStatus s) {
  status_ = s;
  if (is_terminal(s)) end_ms_ = now_ms();
  cv_.notify_all();
}

// ---- checkpoints ----

void JobMaster::schedule_periodic() {
  if (!coordinator_ || coordinator_->settings().interval_ms <= 0) return;
  std::weak_ptr<JobMaster> weak = weak_from_this();
  timer_.schedule(std::chrono::milliseconds(coordinator_->settings().interval_ms), [weak] {
    if (auto self = weak.lock()) self->periodic_checkpoint();
  });
}

void JobMaster::periodic_checkpoint() {
  {
    std::lock_guard lock(mu_);
    if (is_terminal(status_) || suspended_) return;
    // While draining, the next checkpoint must be the savepoint: an earlier one would let the
    // drained tasks end before it, and their state would be missing from it.
    if (status_ == JobStatus::kRunning && !stop_.draining()) trigger_locked(false, {}, nullptr);
  }
  schedule_periodic();
}

// REQUIRES: mu_ held. Returns why the checkpoint could not start, or empty.
std::string JobMaster::trigger_locked(bool savepoint, const std::string& dir,
                                      std::function<void(const std::string&, const std::string&)> done) {
  if (status_ != JobStatus::kRunning) return "the job is not running";
  // Finished tasks take no part (their input is over); every other task must be running.
  int running = eg_.count(ExecutionState::kRunning), finished = eg_.count(ExecutionState::kFinished);
  if (running + finished != eg_.total()) return "not every task is running yet";
  if (running == 0) return "every task has finished";
  if (!savepoint && coordinator_->settings().dir.empty())
    return "no checkpoint directory: set execution.checkpointing.dir";
  // A savepoint or a checkpoint someone asked for (`done` set; periodic triggers pass none) is not held back
  // by max-concurrent-checkpoints or min-pause: a user's request is not refused because periodic ones are
  // in flight (Flink queues such a request until one ends; it starts at once here).
  std::string why = coordinator_->cannot_start(now_ms(), savepoint || done != nullptr);
  if (why == CheckpointCoordinator::kNoReservedId) {
    // With HA, ids come from ZooKeeper's counter on the I/O lane, off mu_: the checkpoint starts once ids are
    // reserved. One someone asked for hears its outcome through `done`; of the others (periodic, end of
    // data) one waits and the rest are skipped.
    if (!done) {
      if (auto_trigger_waits_for_id_) return why;
      auto_trigger_waits_for_id_ = true;
      coordinator_->reserve_ids([this](const std::string& error) {
        auto_trigger_waits_for_id_ = false;
        // While draining the next checkpoint must be the savepoint (see periodic_checkpoint).
        if (error.empty() && !suspended_ && status_ == JobStatus::kRunning && !stop_.draining())
          trigger_locked(false, {}, nullptr);
      });
      return why;
    }
    coordinator_->reserve_ids([this, savepoint, dir, done](const std::string& error) {
      // Under mu_ (the reservation's step). The job may have moved on: trigger_locked checks again.
      std::string w = suspended_      ? std::string("this JobManager no longer leads")
                      : error.empty() ? trigger_locked(savepoint, dir, done)
                                      : "no checkpoint id: " + error;
      if (!w.empty()) done("", "the checkpoint could not start: " + w);
    });
    return {};
  }
  if (!why.empty()) return why;
  CheckpointBarrier b;
  try {
    b = coordinator_->begin(attempt_, running, savepoint, dir, now_ms());
  } catch (const std::exception& e) {  // no reserved id (cannot_start said there was one: a bug)
    return std::string("no checkpoint id: ") + e.what();
  }
  if (done) coordinator_->on_savepoint(b.id, std::move(done));
  for (const auto& v : jg_->vertices) {
    if (!v.is_source) continue;
    for (int i = 0; i < v.parallelism; ++i) {
      if (eg_.at(v.id, i).state != ExecutionState::kRunning) continue;
      if (auto te = rm_->task_executor(placement_[{v.id, i}]))
        te->trigger_checkpoint({id_, eg_.at(v.id, i).attempt, v.id, i}, b);
    }
  }
  std::weak_ptr<JobMaster> weak = weak_from_this();
  int64_t id = b.id;
  timer_.schedule(std::chrono::milliseconds(coordinator_->settings().timeout_ms), [weak, id] {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard lock(self->mu_);
    if (self->coordinator_->abort(id, "it timed out", self->now_ms())) {
      self->notify_tasks_locked(id, false);
      if (self->coordinator_->failures_exceed_tolerance())
        self->on_task_failure_locked("checkpoint coordinator",
                                     self->coordinator_->last_failure() +
                                         " (beyond execution.checkpointing.tolerable-failed-checkpoints)",
                                     -1, -1);
    }
  });
  return {};
}

void JobMaster::acknowledge_checkpoint(const CheckpointAck& ack) {
  std::lock_guard lock(mu_);
  if (!coordinator_ || is_terminal(status_) || suspended_ || !is_current_locked(ack.id)) return;
  // Pending checkpoints belong to the job's restart count when they began (every restart, of a region
  // or of the job, aborts them); the ack is from the task's current deployment, checked above.
  CheckpointAck current = ack;
  current.id.attempt = attempt_;
  // A checkpoint completes (and the tasks hear of it) once its metadata is durable: on_checkpoint_completed.
  (void)coordinator_->acknowledge(current, attempt_, now_ms());
}

// REQUIRES: mu_ held.
void JobMaster::on_checkpoint_completed_locked(const CompletedCheckpoint& c) {
  if (suspended_) return;  // the next leader's tasks hear from the next leader
  notify_tasks_locked(c.id, true);
}

void JobMaster::notify_end_of_data(const ExecutionAttemptId& id) {
  std::lock_guard lock(mu_);
  if (!coordinator_ || !is_current_locked(id) || is_terminal(status_) || suspended_) return;
  sources_at_end_.insert({id.vertex, id.subtask});
  int sources = 0;
  for (const auto& v : jg_->vertices)
    if (v.is_source) sources += v.parallelism;
  if (static_cast<int>(sources_at_end_.size()) != sources) return;
  if (stop_.draining()) {
    stop_.on_sources_ended();
  } else {
    trigger_locked(false, {}, nullptr);
  }
}

void JobMaster::decline_checkpoint(const ExecutionAttemptId& id, int64_t checkpoint_id,
                                   const std::string& reason) {
  std::lock_guard lock(mu_);
  if (!coordinator_ || !is_current_locked(id) || is_terminal(status_) || suspended_) return;
  if (coordinator_->abort(checkpoint_id, reason, now_ms())) {
    notify_tasks_locked(checkpoint_id, false);
    if (coordinator_->failures_exceed_tolerance())
      on_task_failure_locked("checkpoint coordinator", coordinator_->last_failure(), -1, -1);
  }
}

// REQUIRES: mu_ held.
void JobMaster::notify_tasks_locked(int64_t checkpoint_id, bool completed) {
  for (const auto& subs : eg_.vertices())
    for (const auto& ev : subs) {
      if (is_terminal(ev.state)) continue;
      auto te = rm_->task_executor(placement_[{ev.vertex, ev.subtask}]);
      if (!te) continue;
      ExecutionAttemptId aid{id_, ev.attempt, ev.vertex, ev.subtask};
      if (completed)
        te->notify_checkpoint_complete(aid, checkpoint_id);
      else
        te->notify_checkpoint_aborted(aid, checkpoint_id);
    }
}

std::future<std::string> JobMaster::trigger_savepoint(const std::string& dir) {
  auto promise = std::make_shared<std::promise<std::string>>();
  auto fut = promise->get_future();
  std::lock_guard lock(mu_);
  std::string why =
      coordinator_ ? trigger_locked(true, dir,
                                    [promise](const std::string& path, const std::string& error) {
                                      if (error.empty())
                                        promise->set_value(path);
                                      else
                                        promise->set_exception(std::make_exception_ptr(WeirError(error)));
                                    })
                   : "the job is not running";
  if (!why.empty())
    promise->set_exception(std::make_exception_ptr(WeirError("cannot take a savepoint: " + why)));
  return fut;
}

std::future<std::string> JobMaster::trigger_checkpoint() {
  auto promise = std::make_shared<std::promise<std::string>>();
  auto fut = promise->get_future();
  std::lock_guard lock(mu_);
  std::string why;
  if (!coordinator_) {
    why = "the job is not running";
  } else {
    // A checkpoint on demand goes to the checkpoint directory but reports back like a savepoint, by the id
    // the coordinator gave it (with HA from ZooKeeper's counter, after a restore past the restored one).
    why = trigger_locked(false, {}, [promise](const std::string& path, const std::string& error) {
      if (error.empty())
        promise->set_value(path);
      else
        promise->set_exception(std::make_exception_ptr(WeirError(error)));
    });
  }
  if (!why.empty())
    promise->set_exception(std::make_exception_ptr(WeirError("cannot take a checkpoint: " + why)));
  return fut;
}

std::future<std::string> JobMaster::stop_with_savepoint(const std::string& dir, bool drain) {
  std::lock_guard lock(mu_);
  return stop_.stop(dir, drain);
}

JobStatus JobMaster::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

JobStatus JobMaster::wait(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  if (timeout == std::chrono::milliseconds::max()) {
    cv_.wait(lock, [&] { return is_terminal(status_) && end_done_; });
  } else {
    cv_.wait_for(lock, timeout, [&] { return is_terminal(status_) && end_done_; });
  }
  return status_;
}

std::string JobMaster::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

int64_t JobMaster::end_time_ms() const {
  std::lock_guard lock(mu_);
  return end_ms_;
}

ExecutionGraph JobMaster::snapshot() const {
  std::lock_guard lock(mu_);
  return eg_;
}

int JobMaster::attempt() const {
  std::lock_guard lock(mu_);
  return attempt_ - first_attempt_;
}

std::vector<ExceptionEntry> JobMaster::exception_history() const {
  std::lock_guard lock(mu_);
  return history_.entries();
}

uint64_t JobMaster::exceptions_total() const {
  std::lock_guard lock(mu_);
  return history_.total();
}

uint64_t JobMaster::heartbeat_token() {
  std::lock_guard lock(mu_);
  return ++seq_;
}

void JobMaster::reconcile_task_manager(NodeId tm, uint64_t token,
                                       const std::vector<ExecutionAttemptId>& present) {
  std::vector<ExecutionAttemptId> unknown;
  {
    std::lock_guard lock(mu_);
    if (suspended_) return;                  // the next leader reconciles
    std::set<std::pair<int, int>> reported;  // (vertex, subtask) of current attempts the TaskManager has
    for (const auto& id : present) {
      if (id.job != id_) continue;
      const bool current = is_current_locked(id);
      if (current && !is_terminal(eg_.at(id.vertex, id.subtask).state) && !is_terminal(status_)) {
        reported.insert({id.vertex, id.subtask});
      } else {
        unknown.push_back(id);
      }
    }
    if (!is_terminal(status_)) {
      auto te = rm_->task_executor(tm);
      const std::string where = te ? te->name() : fmt::format("tm-{}", tm.value());
      std::vector<ExecutionAttemptId> missing;
      for (const auto& [at, node] : placement_) {
        if (node != tm) continue;
        const auto& ev = eg_.at(at.first, at.second);
        // Deploying, or RUNNING only since the heartbeat was asked for: its report may predate it.
        if (ev.state != ExecutionState::kRunning || ev.running_seq == 0 || ev.running_seq >= token) continue;
        if (!reported.count(at)) missing.push_back({id_, ev.attempt, at.first, at.second});
      }
      for (const auto& id : missing) {
        if (!is_current_locked(id) || eg_.at(id.vertex, id.subtask).state != ExecutionState::kRunning)
          continue;
        log::get("jobmanager")
            .warn("job {}: attempt {} of subtask {} of vertex {} is missing on TaskManager {}: failing it",
                  id_.to_string(), id.attempt, id.subtask, id.vertex, where);
        update_task_execution_state_locked(
            {id, ExecutionState::kFailed,
             fmt::format("the task is missing on TaskManager {}: its heartbeat no longer reports it",
                         where)});
      }
    }
  }
  if (unknown.empty()) return;
  // Outside mu_: the TaskManager is asked to cancel what no JobMaster follows (an older attempt that was
  // never cancelled there, e.g. a lost message); cancelling only sets flags, but needs no lock of ours.
  if (auto te = rm_->task_executor(tm)) {
    for (const auto& id : unknown) {
      log::get("jobmanager")
          .info(
              "job {}: TaskManager {} runs attempt {} of subtask {} of vertex {}, which is not current: "
              "cancelling it",
              id_.to_string(), te->name(), id.attempt, id.subtask, id.vertex);
      te->cancel_task(id);
    }
  }
}

CheckpointStats JobMaster::checkpoint_stats() const {
  std::lock_guard lock(mu_);
  return coordinator_ ? coordinator_->stats() : CheckpointStats{};
}

uint64_t JobMaster::checkpoint_memory_bytes() const {
  std::lock_guard lock(mu_);
  uint64_t b = coordinator_ ? coordinator_->memory_bytes() : 0;
  if (restore_) {
    b += sizeof(*restore_) + restore_->path.capacity();
    for (const auto& v : restore_->metadata.vertices) {
      b += sizeof(v) + v.name.capacity();
      for (const auto& id : v.operator_ids) b += sizeof(id) + id.capacity();
    }
    for (const auto& t : restore_->metadata.tasks) b += checkpoint::memory_bytes(t);
  }
  return b;
}

std::vector<CompletedCheckpoint> JobMaster::retained_checkpoints() const {
  std::lock_guard lock(mu_);
  if (!coordinator_) return {};
  return {coordinator_->retained().begin(), coordinator_->retained().end()};
}

std::vector<std::pair<ExecutionAttemptId, std::shared_ptr<TaskExecutorGateway>>> JobMaster::subtask_gateways(
    int vertex) const {
  std::vector<std::pair<ExecutionAttemptId, std::shared_ptr<TaskExecutorGateway>>> tasks;
  {
    std::lock_guard lock(mu_);
    for (const auto& ev : eg_.vertices().at(vertex)) {
      auto it = placement_.find({ev.vertex, ev.subtask});
      tasks.emplace_back(ExecutionAttemptId{id_, ev.attempt, ev.vertex, ev.subtask},
                         it == placement_.end() ? nullptr : rm_->task_executor(it->second));
    }
  }
  return tasks;
}

std::vector<std::optional<int64_t>> JobMaster::output_wait_ns(int vertex) const {
  const auto tasks = subtask_gateways(vertex);
  std::vector<std::optional<int64_t>> out;
  for (const auto& [id, te] : tasks) out.push_back(te ? te->output_wait_ns(id) : std::nullopt);
  return out;
}

std::vector<std::optional<TaskCounters>> JobMaster::task_counters(int vertex) const {
  const auto tasks = subtask_gateways(vertex);
  std::vector<std::optional<TaskCounters>> out;
  for (const auto& [id, te] : tasks) out.push_back(te ? te->task_counters(id) : std::nullopt);
  return out;
}

}  // namespace weir::cluster
