#include "weir/cluster/taskmanager/barrier_handler.h"

#include <string_view>

#include <fmt/format.h>

#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/cluster/taskmanager/task_input.h"
#include "weir/common/millis_since.h"
#include "weir/network/element_kind.h"

namespace weir::cluster {

namespace {

CheckpointBarrier decode_frame_payload(std::string_view payload) {
  return decode_barrier(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
}

}  // namespace

void BarrierHandler::configure(std::string task_name, Options options) {
  name_ = std::move(task_name);
  options_ = options;
  if (!options_.exactly_once) options_.unaligned = false;  // unaligned checkpoints are exactly once
}

void BarrierHandler::trigger(const CheckpointBarrier& b) {
  if (b.id <= last_checkpoint_) return;
  last_checkpoint_ = b.id;
  take_checkpoint(b, 0);
}

void BarrierHandler::take_checkpoint(const CheckpointBarrier& b, int64_t alignment_ms) {
  auto start = std::chrono::steady_clock::now();
  auto snapshot = target_.snapshot_and_forward(b, options_.unaligned && !b.savepoint);
  CheckpointAck stats;
  stats.sync_ms = millis_since(start);
  stats.alignment_ms = alignment_ms;
  target_.write_snapshot(std::move(snapshot), b, stats);
}

// ---- aligned ----

void BarrierHandler::on_barrier(int channel, CheckpointBarrier b) {
  if (unaligned_cp_ && b.id == unaligned_cp_->barrier.id) {
    // The barrier of the unaligned checkpoint in progress, reached in stream order: what this channel
    // sent before it has been recorded as it was read.
    unaligned_cp_->done[channel] = true;
    maybe_complete_unaligned();
    return;
  }
  // A checkpoint this task already took or gave up, or one older than the checkpoint being aligned
  // (given up when a newer one's barrier came first: Flink ignores it too). Counted for the newer one, it
  // made that snapshot come before the records this channel sends ahead of its own newer barrier.
  if (obsolete(b.id)) return;
  // A barrier read after its channel's end of data belongs to a checkpoint taken after the input ended
  // (the job's final one): it stays aligned, so the snapshot follows the end of every input.
  if (options_.unaligned && !b.savepoint && !input_.channel(channel).end_of_data) {
    if (b.id != timeout_barrier_) {
      timeout_barrier_ = b.id;
      timeout_due_ = std::chrono::steady_clock::now() + options_.aligned_timeout;
    }
    if (options_.aligned_timeout.count() == 0 || aligned_timeout_due()) {
      start_unaligned(b, channel);
      return;
    }
  }
  if (b.id > aligning_) {
    // A newer checkpoint overtook the one being aligned: give the old one up (it times out).
    if (aligning_ >= 0) input_.unblock_all();
    aligning_ = b.id;
    aligning_barrier_ = std::move(b);
    align_start_ = std::chrono::steady_clock::now();
    barrier_seen_.assign(input_.num_channels(), false);
  }
  barrier_seen_[channel] = true;
  if (options_.exactly_once) input_.channel(channel).blocked = true;
  check_alignment_complete();
}

void BarrierHandler::on_end_of_partition(int channel) {
  check_alignment_complete();
  if (unaligned_cp_ && !unaligned_cp_->done[channel]) {
    unaligned_cp_->done[channel] = true;
    maybe_complete_unaligned();
  }
}

void BarrierHandler::check_alignment_complete() {
  if (aligning_ < 0) return;
  for (int c = 0; c < input_.num_channels(); ++c)
    if (!barrier_seen_[c] && !input_.channel(c).ended) return;
  CheckpointBarrier b = aligning_barrier_;
  last_checkpoint_ = aligning_;
  aligning_ = -1;
  timeout_barrier_ = -1;
  take_checkpoint(b, millis_since(align_start_));
  input_.unblock_all();
}

// ---- unaligned ----

void BarrierHandler::record_polled(const network::InputGate::Next& next, int channel) {
  auto& u = *unaligned_cp_;
  if (u.done[channel] || next.copied_for == u.barrier.id) return;
  u.in_flight[channel].append(reinterpret_cast<const char*>(next.buffer->data), next.buffer->size);
}

void BarrierHandler::handle_priority() {
  priority_.store(false, std::memory_order_relaxed);
  // An aligned checkpoint whose barriers took too long: go unaligned with what is blocked now.
  if (!unaligned_cp_ && aligning_ >= 0 && aligning_ == timeout_barrier_ && aligned_timeout_due())
    start_unaligned(aligning_barrier_, -1);
  std::string payload;
  for (int c = 0; c < input_.num_channels(); ++c) {
    // After a channel's end of data its barriers belong to checkpoints taken after the input ended:
    // they are read in stream order and aligned (on_barrier), so the final snapshot follows all input.
    if (input_.channel(c).end_of_data && !(unaligned_cp_ && !unaligned_cp_->done[c])) continue;
    auto& ch = input_.gate_channel(c);
    while (ch.peek_priority(&payload)) {
      CheckpointBarrier b = decode_frame_payload(payload);
      if (unaligned_cp_ && b.id == unaligned_cp_->barrier.id) {
        take_queued_barriers(c);
        maybe_complete_unaligned();
        break;
      }
      if (obsolete(b.id)) {
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
        timeout_due_ = std::chrono::steady_clock::now() + options_.aligned_timeout;
      }
      if (options_.aligned_timeout.count() == 0 || aligned_timeout_due()) start_unaligned(b, -1);
      break;  // otherwise the checkpoint stays aligned for now: the barrier is read in stream order
    }
  }
}

void BarrierHandler::start_unaligned(const CheckpointBarrier& b, int consumed_channel) {
  if (unaligned_cp_) {
    // Barriers arrive in order per channel, so some channel never sent the older one: give it up.
    target_.decline_checkpoint(unaligned_cp_->barrier.id,
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

  const int n = input_.num_channels();
  UnalignedCheckpoint u;
  u.barrier = b;
  u.in_flight.resize(n);
  u.done.resize(n, false);
  u.snapshot = target_.snapshot_and_forward(b, /*unaligned=*/!b.savepoint);
  for (int c = 0; c < n; ++c) {
    u.done[c] = input_.channel(c).ended || c == consumed_channel || (was_aligning && barrier_seen_[c]);
    // What the task holds of the channel but has not processed: in flight for this checkpoint.
    if (!u.done[c]) input_.append_unprocessed(c, u.in_flight[c]);
  }
  input_.unblock_all();
  u.stats.sync_ms = millis_since(start);
  u.stats.alignment_ms = alignment_ms;
  u.stats.unaligned = true;
  unaligned_cp_ = std::move(u);
  for (int c = 0; c < n; ++c)
    if (!unaligned_cp_->done[c]) take_queued_barriers(c);
  maybe_complete_unaligned();
}

void BarrierHandler::take_queued_barriers(int c) {
  auto& u = *unaligned_cp_;
  auto& ch = input_.gate_channel(c);
  for (;;) {
    network::BufferPtr buf = ch.take_priority(u.barrier.id, u.in_flight[c]);
    if (!buf) return;  // not here yet: what is read from this channel until it comes is recorded
    // An older barrier (of a checkpoint given up): the data before it precedes ours too.
    if (decode_frame_payload(network::single_frame_payload(buf->data, buf->size)).id < u.barrier.id) continue;
    u.done[c] = true;
    return;
  }
}

void BarrierHandler::maybe_complete_unaligned() {
  if (!unaligned_cp_) return;
  for (bool d : unaligned_cp_->done)
    if (!d) return;
  UnalignedCheckpoint u = std::move(*unaligned_cp_);
  unaligned_cp_.reset();
  auto& head = u.snapshot->operators.front();
  for (size_t c = 0; c < u.in_flight.size(); ++c) {
    if (u.in_flight[c].empty()) continue;
    std::string bytes = keep_replayable_frames(u.in_flight[c], /*records_only=*/false);
    if (bytes.empty()) continue;
    u.stats.in_flight_bytes += bytes.size();
    auto [gate, local] = input_.owner(static_cast<int>(c));
    head.in_flight.push_back({gate, local, std::move(bytes)});
  }
  target_.write_snapshot(std::move(u.snapshot), u.barrier, u.stats);
}

}  // namespace weir::cluster
