#include "weir/cluster/jobmanager/checkpoint_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/common/error.h"
#include "weir/common/log.h"

namespace weir::cluster {

CheckpointSettings CheckpointSettings::from_config(const Configuration& conf) {
  CheckpointSettings s;
  s.interval_ms = conf.get_duration(options::kCheckpointInterval).count();
  s.timeout_ms = conf.get_duration(options::kCheckpointTimeout).count();
  s.min_pause_ms = conf.get_duration(options::kCheckpointMinPause).count();
  s.max_concurrent = static_cast<int>(conf.get_int(options::kMaxConcurrentCheckpoints));
  s.tolerable_failures = static_cast<int>(conf.get_int(options::kTolerableFailedCheckpoints));
  s.num_retained = static_cast<int>(conf.get_int(options::kNumRetainedCheckpoints));
  s.retention = conf.get_string(options::kExternalizedRetention);
  s.dir = conf.get_string(options::kCheckpointDir);
  if (conf.get_bool(options::kUnalignedCheckpoints) &&
      conf.get_string(options::kCheckpointMode) == "at_least_once")
    throw ConfigError(
        "execution.checkpointing.unaligned.enabled=true needs execution.checkpointing.mode exactly_once "
        "(unaligned checkpoints are a form of exactly-once)");
  if (s.interval_ms > 0 && s.dir.empty())
    throw ConfigError(
        "checkpointing is enabled (execution.checkpointing.interval) but execution.checkpointing.dir "
        "is not set");
  return s;
}

CheckpointCoordinator::CheckpointCoordinator(std::string job_id, std::shared_ptr<const graph::JobGraph> jg,
                                             CheckpointSettings s, CheckpointHaHooks ha)
    : job_id_(std::move(job_id)),
      jg_(std::move(jg)),
      s_(std::move(s)),
      storage_(s_.dir, job_id_),
      shared_state_(storage_.job_dir().empty() ? std::string() : storage_.job_dir() + "/shared"),
      ha_(std::move(ha)) {
  for (const auto& r : ha_.recovered) {
    CompletedCheckpoint c;
    c.id = r.id;
    c.path = r.dir;
    completed_.push_back(c);
    try {
      shared_state_.register_checkpoint(r.id, r.dir);
    } catch (const std::exception& e) {
      // Its shared files stay until the job's directory goes (never deleted while maybe referenced).
      log::get("checkpoint")
          .warn("job {}: cannot read the shared state references of checkpoint {}: {}", job_id_, r.id,
                e.what());
    }
  }
  ha_.recovered.clear();
}

std::string CheckpointCoordinator::cannot_start(int64_t now_ms, bool savepoint) const {
  if (ha_.paused && ha_.paused()) return "the JobManager's ZooKeeper connection is suspended";
  if (ha_.next_id && reserved_ids_.empty()) return kNoReservedId;
  if (savepoint) return {};
  if (static_cast<int>(pending_.size()) >= s_.max_concurrent) return "too many checkpoints in flight";
  if (now_ms - last_completion_ms_ < s_.min_pause_ms)
    return "min pause since the last checkpoint not reached";
  return {};
}

CheckpointBarrier CheckpointCoordinator::begin(int attempt, int tasks, bool savepoint,
                                               const std::string& target_dir, int64_t now_ms) {
  int64_t id = 0;
  if (ha_.next_id) {
    if (reserved_ids_.empty()) reserve_ids();  // without an executor (unit tests) this reserves at once
    if (reserved_ids_.empty()) throw WeirError(kNoReservedId);
    id = reserved_ids_.front();
    reserved_ids_.pop_front();
    reserve_ids();
  } else {
    id = next_id_++;
  }
  Pending p;
  p.attempt = attempt;
  p.expected = tasks;
  p.savepoint = savepoint;
  p.dir = target_dir.empty() ? storage_.checkpoint_dir(id) : target_dir;
  p.started_ms = now_ms;
  p.stats.id = id;
  p.stats.savepoint = savepoint;
  CheckpointBarrier b{id, now_ms, savepoint, p.dir};
  pending_.emplace(id, std::move(p));
  ++stats_.triggered;
  return b;
}

void CheckpointCoordinator::reserve_ids(std::function<void(const std::string&)> then) {
  if (!ha_.next_id) {
    if (then) then({});
    return;
  }
  if (then) {
    if (!reserved_ids_.empty())
      then({});
    else
      reservation_waiters_.push_back(std::move(then));
  }
  if (reserving_ || reserved_ids_.size() >= kReservedIds) return;
  reserving_ = true;
  struct Taken {
    std::vector<int64_t> ids;
    std::string error;
  };
  auto taken = std::make_shared<Taken>();
  const size_t wanted = kReservedIds - std::min(kReservedIds, reserved_ids_.size());
  lane_->post({[next_id = ha_.next_id, taken, wanted]() -> IoLane::Io {
                 // The I/O: ZooKeeper round trips with no lock held. Nothing of the coordinator is touched.
                 return [next_id, taken, wanted] {
                   try {
                     for (size_t i = 0; i < wanted; ++i) taken->ids.push_back(next_id());
                   } catch (const std::exception& e) {
                     taken->error = e.what();
                   }
                 };
               },
               [this, taken](std::exception_ptr) {
                 reserving_ = false;
                 for (int64_t id : taken->ids) {
                   // The counter only grows; an id not above the last reserved one is a broken counter.
                   if (!reserved_ids_.empty() && id <= reserved_ids_.back()) {
                     log::get("checkpoint")
                         .error(
                             "job {}: ZooKeeper's checkpoint id counter went back ({} after {}): id dropped",
                             job_id_, id, reserved_ids_.back());
                     continue;
                   }
                   reserved_ids_.push_back(id);
                 }
                 std::string error = taken->error;
                 if (!error.empty())
                   log::get("checkpoint")
                       .warn("job {}: reserving checkpoint ids failed ({} reserved): {}", job_id_,
                             reserved_ids_.size(), error);
                 if (reserved_ids_.empty() && error.empty()) error = kNoReservedId;
                 if (!reserved_ids_.empty()) error.clear();
                 auto waiters = std::move(reservation_waiters_);
                 reservation_waiters_.clear();
                 for (auto& w : waiters) w(error);
               }});
}

std::optional<CompletedCheckpoint> CheckpointCoordinator::acknowledge(const CheckpointAck& ack, int attempt,
                                                                      int64_t now_ms) {
  auto it = pending_.find(ack.checkpoint_id);
  if (it == pending_.end() || it->second.attempt != attempt || ack.id.attempt != attempt) return std::nullopt;
  Pending& p = it->second;
  // The checkpoint's metadata files the state under the handle's subtask: a handle of another subtask than
  // the one acknowledging would stand in for that subtask's state and leave the acknowledging one's out.
  if (ack.handle.vertex != ack.id.vertex || ack.handle.subtask != ack.id.subtask) {
    log::get("checkpoint")
        .warn(
            "job {}: acknowledgement of checkpoint {} by subtask {} of vertex {} refused: its state handle "
            "is "
            "of subtask {} of vertex {}",
            job_id_, ack.checkpoint_id, ack.id.subtask, ack.id.vertex, ack.handle.subtask, ack.handle.vertex);
    return std::nullopt;
  }
  if (p.completing || !p.acked.insert({ack.id.vertex, ack.id.subtask}).second) return std::nullopt;
  p.handles.push_back(ack.handle);
  p.stats.max_sync_ms = std::max(p.stats.max_sync_ms, ack.sync_ms);
  p.stats.max_async_ms = std::max(p.stats.max_async_ms, ack.async_ms);
  p.stats.max_alignment_ms = std::max(p.stats.max_alignment_ms, ack.alignment_ms);
  p.stats.unaligned = p.stats.unaligned || ack.unaligned;
  p.stats.in_flight_bytes += ack.in_flight_bytes;
  p.stats.state_size += ack.handle.size;
  if (static_cast<int>(p.acked.size()) < p.expected) return std::nullopt;
  return start_completion(ack.checkpoint_id, now_ms);
}

std::vector<CompletedCheckpoint> CheckpointCoordinator::task_finished(int attempt, int vertex, int subtask,
                                                                      int64_t now_ms) {
  std::vector<CompletedCheckpoint> done;
  std::vector<int64_t> ids;
  for (auto& [id, p] : pending_) ids.push_back(id);
  for (int64_t id : ids) {
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;
    Pending& p = it->second;
    if (p.completing || p.attempt != attempt || !p.acked.insert({vertex, subtask}).second) continue;
    if (static_cast<int>(p.acked.size()) < p.expected) continue;
    if (auto c = start_completion(id, now_ms)) done.push_back(*c);
  }
  return done;
}

std::optional<CompletedCheckpoint> CheckpointCoordinator::start_completion(int64_t id, int64_t now_ms) {
  Pending& p = pending_.at(id);
  p.completing = true;
  p.acked_ms = now_ms;
  just_completed_.clear();
  auto refs = std::make_shared<std::vector<std::string>>();
  lane_->post(
      {[this, id, refs] { return prepare_completion(id, refs); },
       [this, id, refs](std::exception_ptr error) { finish_completion(id, error, std::move(*refs)); }});
  // Without an executor the step has run: the completion is known now.
  for (auto& c : just_completed_)
    if (c.id == id) return c;
  return std::nullopt;
}

// Under the lock, once every earlier step is done: what the completion writes. The I/O reads the shared-state
// lists first (a checkpoint whose lists cannot be read fails before anything of it is durable), then writes
// _metadata (durably, never replacing one), then adds the pointer to the HA store.
IoLane::Io CheckpointCoordinator::prepare_completion(int64_t id,
                                                     std::shared_ptr<std::vector<std::string>> refs) {
  auto it = pending_.find(id);
  if (it == pending_.end() || !it->second.completing) return nullptr;  // subsumed by a newer one meanwhile
  Pending& p = it->second;
  checkpoint::CheckpointMetadata m;
  m.job_id = job_id_;
  m.checkpoint_id = id;
  m.timestamp = p.started_ms;
  m.savepoint = p.savepoint;
  const auto& sg = *jg_->stream_graph;
  for (const auto& v : jg_->vertices) {
    checkpoint::VertexInfo vi{v.id, v.name, v.parallelism, v.max_parallelism, {}};
    for (int n : v.nodes) vi.operator_ids.push_back(graph::operator_id_of(sg.node(n)));
    m.vertices.push_back(std::move(vi));
  }
  m.tasks = p.handles;
  std::sort(m.tasks.begin(), m.tasks.end(), [](const auto& a, const auto& b) {
    return std::tie(a.vertex, a.subtask) < std::tie(b.vertex, b.subtask);
  });
  // Retained after it: the newest num_retained - 1 of the completed ones, and itself. Every earlier
  // completion has finished (the lane runs one step at a time), so completed_ is up to date.
  std::vector<int64_t> retained;
  const size_t keep = s_.num_retained > 0 ? static_cast<size_t>(s_.num_retained - 1) : 0;
  for (size_t i = completed_.size() > keep ? completed_.size() - keep : 0; i < completed_.size(); ++i)
    retained.push_back(completed_[i].id);
  retained.push_back(id);
  const bool to_ha = ha_.completed && !p.savepoint;
  return [storage = storage_, dir = p.dir, m = std::move(m), savepoint = p.savepoint, to_ha,
          completed = ha_.completed, paused = ha_.paused, retained = std::move(retained), refs, id] {
    if (!savepoint) *refs = checkpoint::read_shared_refs(dir);
    storage.write_metadata(dir, m);
    if (!to_ha) return;
    // The checkpoint is complete once its pointer is in ZooKeeper; until then it is not (a failure here
    // aborts it).
    if (paused && paused()) throw WeirError("the JobManager's ZooKeeper connection is suspended");
    completed(id, dir + "/_metadata", retained);
  };
}

// Under the lock, after the completion's I/O.
void CheckpointCoordinator::finish_completion(int64_t id, std::exception_ptr error,
                                              std::vector<std::string> refs) {
  auto it = pending_.find(id);
  if (it == pending_.end() || !it->second.completing) return;
  Pending& p = it->second;
  const int64_t now_ms = p.acked_ms;
  if (error) {
    std::string why;
    try {
      std::rethrow_exception(error);
    } catch (const CheckpointCompletionUnknown& e) {
      p.keep_files = true;  // ZooKeeper may point at them
      why = e.what();
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
      why = "unknown error";
    }
    p.completing = false;
    abort_incomplete(id, why, now_ms);
    return;
  }
  CompletedCheckpoint out = p.stats;
  out.path = p.dir;
  out.duration_ms = now_ms - p.started_ms;
  out.trigger_ms = p.started_ms;
  out.completed_ms = now_ms;
  consecutive_failures_ = 0;
  ++stats_.completed;
  if (out.unaligned) ++stats_.completed_unaligned;
  stats_.in_flight_bytes += out.in_flight_bytes;
  stats_.sum_duration_ms += out.duration_ms;
  stats_.sum_sync_ms += out.max_sync_ms;
  stats_.sum_async_ms += out.max_async_ms;
  stats_.sum_alignment_ms += out.max_alignment_ms;
  stats_.latest = out;
  const bool savepoint = p.savepoint;
  if (savepoint) stats_.latest_savepoint = out;
  pending_.erase(it);
  if (!savepoint) {  // savepoints belong to the person who took them
    last_completion_ms_ = now_ms;
    completed_.push_back(out);
    shared_state_.add(id, std::move(refs));
    // Subsumed checkpoints: keep num-retained, delete the rest (and shared files nothing else references);
    // abort older pending ones (completing ones included: their steps have not started, they come after
    // this one's).
    while (static_cast<int>(completed_.size()) > s_.num_retained) {
      discard_async(completed_.front().path, shared_state_.release(completed_.front().id));
      completed_.pop_front();
    }
    for (auto o = pending_.begin(); o != pending_.end();) {
      if (o->first < id && !o->second.savepoint) {
        discard_async(o->second.dir);
        o = pending_.erase(o);
      } else {
        ++o;
      }
    }
  }
  just_completed_.push_back(out);
  if (auto w = savepoint_waiters_.find(id); w != savepoint_waiters_.end()) {
    auto cb = std::move(w->second);
    savepoint_waiters_.erase(w);
    cb(out.path, {});
  }
  if (on_completed_) on_completed_(out);
}

void CheckpointCoordinator::discard_async(std::string dir, std::vector<std::string> shared_files) {
  lane_->post({[storage = storage_, dir = std::move(dir), files = std::move(shared_files)]() -> IoLane::Io {
                 return [storage, dir, files] {
                   checkpoint::remove_shared_files(files);
                   storage.discard(dir);  // reports what it cannot delete; never throws
                 };
               },
               nullptr});
}

void CheckpointCoordinator::abort_incomplete(int64_t id, const std::string& why, int64_t now_ms) {
  // A JobManager whose ZooKeeper connection is suspended pauses completions: not the checkpoint's fault.
  const bool paused = ha_.paused && ha_.paused();
  const bool savepoint = pending_.count(id) && pending_.at(id).savepoint;
  abort(id, (ha_.completed ? "completing it failed: " : "writing its metadata failed: ") + why, now_ms);
  if (paused && !savepoint) --consecutive_failures_;
}

bool CheckpointCoordinator::abort(int64_t id, const std::string& reason, int64_t now_ms) {
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second.completing) return false;
  if (!it->second.savepoint) {
    ++consecutive_failures_;
    if (!it->second.keep_files) discard_async(it->second.dir);
  }
  ++stats_.failed;
  last_failure_ = fmt::format("checkpoint {} failed: {}", id, reason);
  stats_.latest_failed = CheckpointStats::Failed{id, now_ms, reason};
  pending_.erase(it);
  if (auto w = savepoint_waiters_.find(id); w != savepoint_waiters_.end()) {
    auto cb = std::move(w->second);
    savepoint_waiters_.erase(w);
    cb({}, last_failure_);
  }
  return true;
}

std::vector<int64_t> CheckpointCoordinator::abort_all(const std::string& reason, int64_t now_ms) {
  std::vector<int64_t> ids;
  for (const auto& [id, p] : pending_)
    if (!p.completing) ids.push_back(id);
  for (int64_t id : ids) {
    bool savepoint = pending_.at(id).savepoint;
    abort(id, reason, now_ms);
    if (!savepoint) --consecutive_failures_;  // not the checkpoint's fault
  }
  return ids;
}

std::vector<int64_t> CheckpointCoordinator::timed_out(int64_t now_ms) const {
  std::vector<int64_t> ids;
  for (const auto& [id, p] : pending_)
    if (now_ms - p.started_ms >= s_.timeout_ms) ids.push_back(id);
  return ids;
}

void CheckpointCoordinator::on_job_end(bool canceled, bool finished) {
  bool keep = !finished && (!canceled || s_.retention == "retain_on_cancellation");
  if (s_.retention == "no_externalized_checkpoints") keep = false;
  if (keep || s_.dir.empty() || storage_.job_dir().empty()) return;
  // A step, so that completions under way finish first and their checkpoints go too.
  lane_->post({[this]() -> IoLane::Io {
                 std::vector<std::pair<std::string, std::vector<std::string>>> doomed;
                 for (const auto& c : completed_) doomed.emplace_back(c.path, shared_state_.release(c.id));
                 completed_.clear();
                 return [storage = storage_, doomed = std::move(doomed), job_id = job_id_] {
                   for (const auto& [dir, files] : doomed) {
                     checkpoint::remove_shared_files(files);
                     storage.discard(dir);
                   }
                   try {
                     storage.discard(storage.job_dir());
                   } catch (const std::exception& e) {
                     log::get("checkpoint")
                         .warn("job {}: cannot remove its checkpoint directory: {}", job_id, e.what());
                   }
                 };
               },
               nullptr});
}

std::optional<std::string> CheckpointCoordinator::latest_checkpoint_path() const {
  if (completed_.empty()) return std::nullopt;
  return completed_.back().path;
}

uint64_t CheckpointCoordinator::memory_bytes() const {
  uint64_t b = shared_state_.memory_bytes();
  for (const auto& [id, p] : pending_) {
    b += sizeof(Pending) + p.dir.capacity() + p.stats.path.capacity() +
         p.acked.size() * (sizeof(std::pair<int, int>) + 32);
    for (const auto& h : p.handles) b += checkpoint::memory_bytes(h);
  }
  for (const auto& c : completed_) b += sizeof(CompletedCheckpoint) + c.path.capacity();
  return b;
}

}  // namespace weir::cluster
