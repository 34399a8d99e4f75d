// A task's part in checkpoints (Flink's CheckpointBarrierHandler and SubtaskCheckpointCoordinator):
// barrier alignment across input channels (exactly once: a channel whose barrier came is blocked until
// every channel's came; at least once: nothing is blocked), the synchronous snapshot of the operator
// chain, the barrier forwarded downstream, the asynchronous write (snapshot_writer.h), checkpoint
// completion and abort notifications, and the final checkpoint after the input ended. Unaligned
// checkpoints are in task_unaligned.cc.
#include <algorithm>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/cluster/taskmanager/task.h"
#include "weir/common/failure_points.h"
#include "weir/runtime/batch_end.h"

namespace weir::cluster {

using network::ElementKind;

namespace {
int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

void Task::await_final_checkpoint() {
  // A checkpoint still being aligned is snapshotted after this point, so it covers everything this
  // task emitted and counts as final (a task with several inputs often sees its input end between
  // the barriers of one checkpoint: waiting for the next one would wait for ever once the sources
  // are done).
  finished_at_checkpoint_ = last_checkpoint_;
  for (auto& p : partitions_) p->broadcast_event(ElementKind::kEndOfData, {}, false, /*fence=*/true);
  if (vertex_->is_source) jm_->notify_end_of_data(id_);
  // Keep reading inputs: barriers of the final checkpoint and, after it, end-of-partition arrive.
  auto all_partitions_ended = [&] {
    return std::all_of(channel_states_.begin(), channel_states_.end(),
                       [](const ChannelState& c) { return c.ended; });
  };
  size_t next_gate = 0;
  while (!(final_checkpoint_done_ && all_partitions_ended())) {
    check_canceled();
    mailbox_.drain();
    if (!process_next_buffer(next_gate)) {
      maybe_flush(true);
      runtime::run_batch_end_hooks();
      ScopedWait waiting(idle_);
      wakeup_.wait_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    }
  }
}

void Task::trigger_checkpoint(const CheckpointBarrier& b) {
  mailbox_.put([this, b] {
    // A source that has ended takes part only while it waits for its final checkpoint.
    if ((input_finished_ && !final_checkpoint_) || b.id <= last_checkpoint_) return;
    last_checkpoint_ = b.id;
    perform_checkpoint(b, 0);
  });
}

void Task::notify_checkpoint_complete(int64_t id) {
  mailbox_.put([this, id] {
    WEIR_FAILURE_POINT("task.checkpoint-complete");
    // Local copies of older checkpoints are subsumed by this one; the writer thread removes them, after
    // any snapshot it is still writing.
    if (local_backup_)
      writer_.post([store = services_.local_state, job = tdd_.job.to_string(), v = tdd_.vertex,
                    s = tdd_.subtask, id] { store->confirm(job, v, s, id); });
    if (input_finished_ && id > finished_at_checkpoint_) final_checkpoint_done_ = true;
    for (auto& op : chain_) call_operator(op.get(), [&] { op->notify_checkpoint_complete(id); });
  });
}

void Task::notify_checkpoint_aborted(int64_t id) {
  mailbox_.put([this, id] {
    if (local_backup_)
      writer_.post([store = services_.local_state, job = tdd_.job.to_string(), v = tdd_.vertex,
                    s = tdd_.subtask, id] { store->discard(job, v, s, id); });
    for (auto& op : chain_) call_operator(op.get(), [&] { op->notify_checkpoint_aborted(id); });
  });
}

void Task::stop_source() {
  mailbox_.put([this] {
    stop_requested_ = true;
    final_checkpoint_ = true;  // the drained savepoint is this source's final checkpoint
  });
}

void Task::on_barrier(int global_channel, CheckpointBarrier b) {
  if (unaligned_cp_ && b.id == unaligned_cp_->barrier.id) {
    // The barrier of the unaligned checkpoint in progress, reached in stream order: what this channel
    // sent before it has been recorded as it was read.
    unaligned_cp_->done[global_channel] = true;
    maybe_complete_unaligned();
    return;
  }
  if (b.id <= last_checkpoint_) return;  // a checkpoint this task already took or gave up
  // A barrier read after its channel's end of data belongs to a checkpoint taken after the input ended
  // (the job's final one): it stays aligned, so the snapshot follows the end of every input.
  if (unaligned_ && !b.savepoint && !channel_states_[global_channel].end_of_data) {
    if (b.id != timeout_barrier_) {
      timeout_barrier_ = b.id;
      timeout_due_ = std::chrono::steady_clock::now() + aligned_timeout_;
    }
    if (aligned_timeout_.count() == 0 || aligned_timeout_due()) {
      start_unaligned(b, global_channel);
      return;
    }
  }
  if (b.id > aligning_) {
    if (aligning_ >= 0) {
      // A newer checkpoint overtook the one being aligned: give the old one up (it times out).
      for (auto& cs : channel_states_) cs.blocked = false;
      need_resume_ = true;
    }
    aligning_ = b.id;
    aligning_barrier_ = std::move(b);
    align_start_ = std::chrono::steady_clock::now();
    for (auto& cs : channel_states_) cs.barrier_seen = false;
  }
  ChannelState& cs = channel_states_[global_channel];
  cs.barrier_seen = true;
  if (exactly_once_) cs.blocked = true;
  check_alignment_complete();
}

void Task::check_alignment_complete() {
  if (aligning_ < 0) return;
  for (const auto& cs : channel_states_)
    if (!cs.barrier_seen && !cs.ended) return;
  CheckpointBarrier b = aligning_barrier_;
  last_checkpoint_ = aligning_;
  aligning_ = -1;
  timeout_barrier_ = -1;
  perform_checkpoint(b, ms_since(align_start_));
  for (auto& cs : channel_states_) cs.blocked = false;
  need_resume_ = true;
}

void Task::resume_stashed() {
  need_resume_ = false;
  for (size_t c = 0; c < channel_states_.size(); ++c) {
    auto& cs = channel_states_[c];
    while (!cs.blocked && !cs.stash.empty()) {
      auto [buf, offset] = std::move(cs.stash.front());
      cs.stash.pop_front();
      if (buf->pool == nullptr) cs.stashed_event_bytes -= buf->size;
      auto [gate, local] = channel_owner_[c];
      process_buffer(gates_[gate], local, std::move(buf), offset);
    }
  }
}

void Task::perform_checkpoint(const CheckpointBarrier& b, int64_t alignment_ms) {
  auto start = std::chrono::steady_clock::now();
  auto snap = snapshot_operators(b);
  forward_barrier(b);
  CheckpointAck stats;
  stats.sync_ms = ms_since(start);
  stats.alignment_ms = alignment_ms;
  write_snapshot_async(std::move(snap), b, stats);
}

// Synchronous part: copy every operator's state into a snapshot, on the task thread.
std::shared_ptr<checkpoint::TaskSnapshot> Task::snapshot_operators(const CheckpointBarrier& b) {
  WEIR_FAILURE_POINT("task.before-snapshot");
  auto snap = std::make_shared<checkpoint::TaskSnapshot>();
  snap->vertex = vertex_->id;
  snap->subtask = tdd_.subtask;
  for (auto& op : chain_) {
    checkpoint::OperatorSnapshot s;
    s.checkpoint_id = b.id;
    s.savepoint = b.savepoint;
    s.target_dir = b.target_dir;
    call_operator(op.get(), [&] { op->snapshot_state(s); });
    snap->operators.push_back(std::move(s));
  }
  return snap;
}

// The barrier goes downstream right after the snapshot, ahead of any later record, in a buffer of its
// own that never waits for pooled memory. Unaligned, it is a priority buffer that consumers take
// ahead of the data queued before it.
void Task::forward_barrier(const CheckpointBarrier& b) {
  std::string payload = encode_barrier(b);
  for (auto& p : partitions_) p->broadcast_event(ElementKind::kBarrier, payload, unaligned_ && !b.savepoint);
}

// Asynchronous part: encode and write while processing goes on.
void Task::write_snapshot_async(std::shared_ptr<checkpoint::TaskSnapshot> snap, const CheckpointBarrier& b,
                                CheckpointAck stats) {
  writer_.post([this, snap = std::move(snap), b, stats]() mutable {
    auto t0 = std::chrono::steady_clock::now();
    try {
      checkpoint::finish_async_parts(*snap);  // e.g. upload new RocksDB SST files
      const bool keep_local = local_backup_ && !b.savepoint;
      std::string bytes;
      stats.handle =
          checkpoint::CheckpointStorage::write_task_state(b.target_dir, *snap, keep_local ? &bytes : nullptr);
      // After the upload and before the ack, so a completed checkpoint finds its copy in place; a
      // copy that cannot be made is reported and left out, never failing the checkpoint.
      if (keep_local)
        services_.local_state->store(tdd_.job.to_string(), b.id, b.target_dir, stats.handle, bytes);
      WEIR_FAILURE_POINT("task.before-ack");
      stats.id = id_;
      stats.checkpoint_id = b.id;
      stats.async_ms = ms_since(t0);
      jm_->acknowledge_checkpoint(stats);
    } catch (const std::exception& e) {
      jm_->decline_checkpoint(id_, b.id,
                              fmt::format("task '{}' could not write its state: {}", name_, e.what()));
    }
  });
}

}  // namespace weir::cluster
