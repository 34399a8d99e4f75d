#include "weir/cluster/jobmanager/checkpoint_coordinator.h"

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
  if (savepoint) return {};
  if (static_cast<int>(pending_.size()) >= s_.max_concurrent) return "too many checkpoints in flight";
  if (now_ms - last_completion_ms_ < s_.min_pause_ms)
    return "min pause since the last checkpoint not reached";
  return {};
}

CheckpointBarrier CheckpointCoordinator::begin(int attempt, int tasks, bool savepoint,
                                               const std::string& target_dir, int64_t now_ms) {
  int64_t id = ha_.next_id ? ha_.next_id() : next_id_++;
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

std::optional<CompletedCheckpoint> CheckpointCoordinator::acknowledge(const CheckpointAck& ack, int attempt,
                                                                      int64_t now_ms) {
  auto it = pending_.find(ack.checkpoint_id);
  if (it == pending_.end() || it->second.attempt != attempt || ack.id.attempt != attempt) return std::nullopt;
  Pending& p = it->second;
  if (!p.acked.insert({ack.id.vertex, ack.id.subtask}).second) return std::nullopt;
  p.handles.push_back(ack.handle);
  p.stats.max_sync_ms = std::max(p.stats.max_sync_ms, ack.sync_ms);
  p.stats.max_async_ms = std::max(p.stats.max_async_ms, ack.async_ms);
  p.stats.max_alignment_ms = std::max(p.stats.max_alignment_ms, ack.alignment_ms);
  p.stats.unaligned = p.stats.unaligned || ack.unaligned;
  p.stats.in_flight_bytes += ack.in_flight_bytes;
  p.stats.state_size += ack.handle.size;
  if (static_cast<int>(p.acked.size()) < p.expected) return std::nullopt;
  CompletedCheckpoint done;
  try {
    complete(ack.checkpoint_id, p, now_ms, done);
  } catch (const std::exception& e) {
    abort_incomplete(ack.checkpoint_id, e.what(), now_ms);
    return std::nullopt;
  }
  pending_.erase(it);
  return done;
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
    if (p.attempt != attempt || !p.acked.insert({vertex, subtask}).second) continue;
    if (static_cast<int>(p.acked.size()) < p.expected) continue;
    CompletedCheckpoint c;
    try {
      complete(id, p, now_ms, c);
      pending_.erase(id);
      done.push_back(c);
    } catch (const std::exception& e) {
      abort_incomplete(id, e.what(), now_ms);
    }
  }
  return done;
}

void CheckpointCoordinator::complete(int64_t id, Pending& p, int64_t now_ms, CompletedCheckpoint& out) {
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
  storage_.write_metadata(p.dir, m);
  if (ha_.completed && !p.savepoint) {
    // The checkpoint is complete once its pointer is in ZooKeeper; until then it is not (a failure here
    // aborts it). Retained after it: the newest num_retained - 1 of the completed ones, and itself.
    if (ha_.paused && ha_.paused()) throw WeirError("the JobManager's ZooKeeper connection is suspended");
    std::vector<int64_t> retained;
    const size_t keep = s_.num_retained > 0 ? static_cast<size_t>(s_.num_retained - 1) : 0;
    for (size_t i = completed_.size() > keep ? completed_.size() - keep : 0; i < completed_.size(); ++i)
      retained.push_back(completed_[i].id);
    retained.push_back(id);
    try {
      ha_.completed(id, p.dir + "/_metadata", retained);
    } catch (const CheckpointCompletionUnknown&) {
      p.keep_files = true;  // ZooKeeper may point at them
      throw;
    }
  }
  out = p.stats;
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
  if (p.savepoint) stats_.latest_savepoint = out;
  if (auto w = savepoint_waiters_.find(id); w != savepoint_waiters_.end()) {
    w->second(p.dir, {});
    savepoint_waiters_.erase(w);
  }
  if (p.savepoint) return;  // savepoints belong to the person who took them
  last_completion_ms_ = now_ms;
  completed_.push_back(out);
  shared_state_.register_checkpoint(id, p.dir);
  // Subsumed checkpoints: keep num-retained, delete the rest (and shared files nothing else references);
  // abort older pending ones.
  while (static_cast<int>(completed_.size()) > s_.num_retained) {
    shared_state_.release_checkpoint(completed_.front().id);
    storage_.discard(completed_.front().path);
    completed_.pop_front();
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->first < id && !it->second.savepoint) {
      storage_.discard(it->second.dir);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
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
  if (it == pending_.end()) return false;
  if (!it->second.savepoint) {
    ++consecutive_failures_;
    if (!it->second.keep_files) storage_.discard(it->second.dir);
  }
  ++stats_.failed;
  last_failure_ = fmt::format("checkpoint {} failed: {}", id, reason);
  stats_.latest_failed = CheckpointStats::Failed{id, now_ms, reason};
  if (auto w = savepoint_waiters_.find(id); w != savepoint_waiters_.end()) {
    w->second({}, last_failure_);
    savepoint_waiters_.erase(w);
  }
  pending_.erase(it);
  return true;
}

std::vector<int64_t> CheckpointCoordinator::abort_all(const std::string& reason, int64_t now_ms) {
  std::vector<int64_t> ids;
  for (const auto& [id, p] : pending_) ids.push_back(id);
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
  for (const auto& c : completed_) {
    shared_state_.release_checkpoint(c.id);
    storage_.discard(c.path);
  }
  completed_.clear();
  try {
    storage_.discard(storage_.job_dir());
  } catch (const std::exception& e) {
    log::get("checkpoint").warn("job {}: cannot remove its checkpoint directory: {}", job_id_, e.what());
  }
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
