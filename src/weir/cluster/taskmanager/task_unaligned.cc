// Unaligned checkpoints in the task (see task.h and docs/concepts/checkpoints.md).
//
// A barrier travels as a priority buffer. The consumer learns of it as soon as it is queued and takes
// it ahead of the data queued before it: the task snapshots its operators at once, forwards the
// barrier, and persists, per input channel, the elements that were in flight: those after its read
// position and before the channel's barrier. Channels whose barrier has not come yet keep recording
// what is read from them until it comes. On restore those elements are put back in front of each
// channel's queue, so they are processed before anything new.
//
// With execution.checkpointing.aligned-checkpoint-timeout > 0 a checkpoint starts aligned and turns
// unaligned once its barrier has been known to this task for that long.
#include <string_view>

#include <fmt/format.h>

#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/cluster/taskmanager/task.h"
#include "weir/common/error.h"
#include "weir/runtime/batch_end.h"

namespace weir::cluster {

using network::ElementKind;

namespace {

// The elements a restore replays: records and watermarks (records only when data of several old
// channels may share one new channel, whose watermarks would no longer be per channel). Barriers,
// end-of-data and end-of-partition belong to the attempt that wrote them.
std::string keep_frames(std::string_view bytes, bool records_only) {
  std::string out;
  out.reserve(bytes.size());
  network::for_each_frame(bytes, [&](ElementKind kind, std::string_view frame, std::string_view) {
    if (kind == ElementKind::kRecord ||
        (!records_only && (kind == ElementKind::kWatermark || kind == ElementKind::kWatermarkStatus)))
      out.append(frame);
  });
  return out;
}

CheckpointBarrier decode_frame_payload(std::string_view payload) {
  return decode_barrier(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
}

}  // namespace

bool Task::outputs_available() const {
  for (const auto& p : partitions_)
    if (!p->available()) return false;
  return true;
}

bool Task::aligned_timeout_due() const {
  return timeout_barrier_ > last_checkpoint_ && std::chrono::steady_clock::now() >= timeout_due_;
}

void Task::on_polled(const network::InputGate::Next& next, int channel) {
  auto& u = *unaligned_cp_;
  if (u.done[channel] || next.copied_for == u.barrier.id) return;
  u.in_flight[channel].append(reinterpret_cast<const char*>(next.buffer->data), next.buffer->size);
}

void Task::handle_priority() {
  priority_.store(false, std::memory_order_relaxed);
  // An aligned checkpoint whose barriers took too long: go unaligned with what is blocked now.
  if (!unaligned_cp_ && aligning_ >= 0 && aligning_ == timeout_barrier_ && aligned_timeout_due())
    start_unaligned(aligning_barrier_, -1);
  std::string payload;
  for (size_t c = 0; c < channel_states_.size(); ++c) {
    // After a channel's end of data its barriers belong to checkpoints taken after the input ended:
    // they are read in stream order and aligned (on_barrier), so the final snapshot follows all input.
    if (channel_states_[c].end_of_data && !(unaligned_cp_ && !unaligned_cp_->done[c])) continue;
    auto [gate, local] = channel_owner_[c];
    auto& ch = gates_[gate].gate->channel(local);
    while (ch.peek_priority(&payload)) {
      CheckpointBarrier b = decode_frame_payload(payload);
      if (unaligned_cp_ && b.id == unaligned_cp_->barrier.id) {
        take_queued_barriers(static_cast<int>(c));
        maybe_complete_unaligned();
        break;
      }
      if (b.id <= last_checkpoint_) {
        // A barrier of a checkpoint this task took or gave up. The data before it still counts for
        // the checkpoint in progress, if this channel has not delivered that one's barrier yet.
        std::string dropped;
        bool recording = unaligned_cp_ && !unaligned_cp_->done[c];
        ch.take_priority(recording ? unaligned_cp_->barrier.id : b.id,
                         recording ? unaligned_cp_->in_flight[c] : dropped);
        continue;
      }
      if (b.id != timeout_barrier_) {
        timeout_barrier_ = b.id;
        timeout_due_ = std::chrono::steady_clock::now() + aligned_timeout_;
      }
      if (aligned_timeout_.count() == 0 || aligned_timeout_due()) start_unaligned(b, -1);
      break;  // otherwise the checkpoint stays aligned for now: the barrier is read in stream order
    }
  }
}

void Task::start_unaligned(const CheckpointBarrier& b, int consumed_channel) {
  if (unaligned_cp_) {
    // Barriers arrive in order per channel, so some channel never sent the older one: give it up.
    jm_->decline_checkpoint(id_, unaligned_cp_->barrier.id,
                            fmt::format("task '{}' received the barrier of checkpoint {} before all "
                                        "barriers of checkpoint {}",
                                        name_, b.id, unaligned_cp_->barrier.id));
    unaligned_cp_.reset();
  }
  auto start = std::chrono::steady_clock::now();
  const bool was_aligning = aligning_ == b.id;
  const int64_t alignment_ms =
      was_aligning ? std::chrono::duration_cast<std::chrono::milliseconds>(start - align_start_).count() : 0;
  last_checkpoint_ = b.id;
  timeout_barrier_ = -1;
  aligning_ = -1;

  UnalignedCheckpoint u;
  u.barrier = b;
  u.in_flight.resize(channel_states_.size());
  u.done.resize(channel_states_.size(), false);
  u.snapshot = snapshot_operators(b);
  forward_barrier(b);
  for (size_t c = 0; c < channel_states_.size(); ++c) {
    auto& cs = channel_states_[c];
    u.done[c] = cs.ended || static_cast<int>(c) == consumed_channel || (was_aligning && cs.barrier_seen);
    if (!u.done[c]) {
      // What this task holds of the channel but has not processed: the rest of the buffer being read
      // (or the start of a frame that spans buffers), then buffers held back by an earlier alignment.
      if (static_cast<int>(c) == cur_channel_)
        u.in_flight[c].append(reinterpret_cast<const char*>(cur_pos_), cur_end_ - cur_pos_);
      else
        u.in_flight[c].append(cs.partial);
      for (const auto& [buf, offset] : cs.stash)
        u.in_flight[c].append(reinterpret_cast<const char*>(buf->data) + offset, buf->size - offset);
    }
    cs.blocked = false;
  }
  need_resume_ = true;
  u.stats.sync_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  u.stats.alignment_ms = alignment_ms;
  u.stats.unaligned = true;
  unaligned_cp_ = std::move(u);
  for (size_t c = 0; c < channel_states_.size(); ++c)
    if (!unaligned_cp_->done[c]) take_queued_barriers(static_cast<int>(c));
  maybe_complete_unaligned();
}

void Task::take_queued_barriers(int c) {
  auto& u = *unaligned_cp_;
  auto [gate, local] = channel_owner_[c];
  auto& ch = gates_[gate].gate->channel(local);
  for (;;) {
    network::BufferPtr buf = ch.take_priority(u.barrier.id, u.in_flight[c]);
    if (!buf) return;  // not here yet: what is read from this channel until it comes is recorded
    // An older barrier (of a checkpoint given up): the data before it precedes ours too.
    if (decode_frame_payload(network::single_frame_payload(buf->data, buf->size)).id < u.barrier.id) continue;
    u.done[c] = true;
    return;
  }
}

void Task::maybe_complete_unaligned() {
  if (!unaligned_cp_) return;
  for (bool d : unaligned_cp_->done)
    if (!d) return;
  UnalignedCheckpoint u = std::move(*unaligned_cp_);
  unaligned_cp_.reset();
  auto& head = u.snapshot->operators.front();
  for (size_t c = 0; c < u.in_flight.size(); ++c) {
    if (u.in_flight[c].empty()) continue;
    std::string bytes = keep_frames(u.in_flight[c], /*records_only=*/false);
    if (bytes.empty()) continue;
    u.stats.in_flight_bytes += bytes.size();
    auto [gate, local] = channel_owner_[c];
    head.in_flight.push_back({gate, local, std::move(bytes)});
  }
  write_snapshot_async(std::move(u.snapshot), u.barrier, u.stats);
}

void Task::yield_between_records(int channel, const uint8_t* pos, const uint8_t* end) {
  cur_channel_ = channel;
  cur_pos_ = pos;
  cur_end_ = end;
  for (;;) {
    if (priority_.load(std::memory_order_acquire) || aligned_timeout_due()) handle_priority();
    if (outputs_available()) break;
    // Backpressure: wait here, between records, where barriers can still be taken, instead of inside
    // an emit that waits for a buffer.
    maybe_flush(true);
    run_timers_and_mail();
    check_canceled();
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    if (timeout_barrier_ > last_checkpoint_) until = std::min(until, timeout_due_);
    runtime::run_batch_end_hooks();
    ScopedWait waiting(output_room_wait_);
    wakeup_.wait_until(until);
  }
  cur_channel_ = -1;
}

// In-flight data goes back in front of the input channels. At the same parallelism each subtask takes
// its own. At another one, data of hash-partitioned inputs is offered to every new subtask, which keeps
// the records of its key groups; data of other inputs is dealt out by old subtask (round robin), and a
// broadcast input's data is taken from one old subtask.
void Task::restore_in_flight() {
  const auto& head = *chain_.front();
  auto restore = restored_->for_operator(head.runtime().operator_id);
  bool any = false;
  for (const auto* part : restore.parts)
    if (!part->in_flight.empty()) any = true;
  if (!any) return;
  const int old_p = restore.parts.front()->parallelism;
  const int new_p = vertex_->parallelism;
  const auto range = key_group_range_for_subtask(vertex_->max_parallelism, new_p, tdd_.subtask);
  for (const auto* part : restore.parts) {
    for (const auto& c : part->in_flight) {
      if (c.gate < 0 || c.gate >= static_cast<int>(gates_.size()) || c.channel < 0)
        throw WeirError(
            fmt::format("checkpoint {}: in-flight data of operator '{}' names input {}/{}, which "
                        "this job does not have",
                        tdd_.restore->path, head.runtime().name, c.gate, c.channel));
      auto& g = gates_[c.gate];
      const auto kind = g.edge->partitioner.kind;
      std::string bytes;
      if (old_p == new_p) {
        if (part->subtask != tdd_.subtask) continue;
        bytes = c.bytes;
      } else if (kind == runtime::PartitionerKind::kHash) {
        bytes = g.edge->type->keep_key_groups(c.bytes, g.edge->partitioner, vertex_->max_parallelism, range);
      } else if (kind == runtime::PartitionerKind::kBroadcast) {
        if (part->subtask != tdd_.subtask % old_p) continue;
        bytes = keep_frames(c.bytes, /*records_only=*/true);
      } else {
        if (part->subtask % new_p != tdd_.subtask) continue;
        bytes = keep_frames(c.bytes, /*records_only=*/true);
      }
      if (bytes.empty()) continue;
      const int channel = c.channel % g.gate->num_channels();
      g.gate->channel(channel).push_front(
          network::make_unpooled_buffer(bytes.data(), static_cast<uint32_t>(bytes.size()), false));
    }
  }
}

}  // namespace weir::cluster
