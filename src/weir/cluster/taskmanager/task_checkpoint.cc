// A task's part in checkpoints (Flink's SubtaskCheckpointCoordinator), once its BarrierHandler decided to
// take one (barrier_handler.h): the synchronous snapshot of the operator chain, the barrier forwarded
// downstream, the asynchronous write (snapshot_writer.h) and the acknowledgement; checkpoint completion
// and abort notifications; and the final checkpoint after the input ended.
#include <algorithm>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/cluster/taskmanager/task.h"
#include "weir/common/failure_points.h"
#include "weir/common/millis_since.h"
#include "weir/runtime/batch_end.h"

namespace weir::cluster {

using network::ElementKind;

void Task::await_final_checkpoint() {
  // A checkpoint still being aligned is snapshotted after this point, so it covers everything this
  // task emitted and counts as final (a task with several inputs often sees its input end between
  // the barriers of one checkpoint: waiting for the next one would wait for ever once the sources
  // are done).
  finished_at_checkpoint_ = barriers_.last_checkpoint();
  for (auto& p : partitions_) p->broadcast_event(ElementKind::kEndOfData, {}, false, /*fence=*/true);
  if (vertex_->is_source) jm_->notify_end_of_data(id_);
  // Keep reading inputs: barriers of the final checkpoint and, after it, end-of-partition arrive.
  size_t next_gate = 0;
  while (!(final_checkpoint_done_ && input_.all_channels_ended())) {
    check_canceled();
    mailbox_.drain();
    if (!input_.process_next(next_gate)) {
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
    if (input_finished_ && !final_checkpoint_) return;
    barriers_.trigger(b);
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

// Synchronous part: copy every operator's state into a snapshot, on the task thread. Then the barrier
// goes downstream, ahead of any later record, in a buffer of its own that never waits for pooled memory.
// Unaligned, it is a priority buffer that consumers take ahead of the data queued before it.
std::shared_ptr<checkpoint::TaskSnapshot> Task::snapshot_and_forward(const CheckpointBarrier& b,
                                                                     bool unaligned) {
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
  std::string payload = encode_barrier(b);
  for (auto& p : partitions_) p->broadcast_event(ElementKind::kBarrier, payload, unaligned);
  return snap;
}

void Task::decline_checkpoint(int64_t id, const std::string& reason) {
  jm_->decline_checkpoint(id_, id, reason);
}

// Asynchronous part: encode and write while processing goes on.
void Task::write_snapshot(std::shared_ptr<checkpoint::TaskSnapshot> snap, const CheckpointBarrier& b,
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
      stats.async_ms = millis_since(t0);
      jm_->acknowledge_checkpoint(stats);
    } catch (const std::exception& e) {
      jm_->decline_checkpoint(id_, b.id,
                              fmt::format("task '{}' could not write its state: {}", name_, e.what()));
    }
  });
}

}  // namespace weir::cluster
