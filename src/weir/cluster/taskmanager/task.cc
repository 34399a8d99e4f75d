#include "weir/cluster/taskmanager/task.h"

// The task's life and its loops: start, cancel, the run (build, open, process, finish, close, release,
// report), the source loop and the input loop, reading frames out of buffers, and the watermark valve's
// verdicts. Building is in task_build.cc, checkpoints in task_checkpoint.cc and task_unaligned.cc.
#include <algorithm>
#include <cstring>
#include <future>

#include <fmt/format.h>

#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/common/thread_name.h"
#include "weir/runtime/batch_end.h"
#include "weir/runtime/source_operator.h"

namespace weir::cluster {

using network::ElementKind;

Task::Task(TaskDeploymentDescriptor tdd, network::PartitionRegistry* registry,
           std::shared_ptr<JobMasterGateway> jm, network::DataPlane* data_plane, TaskServices services)
    : tdd_(std::move(tdd)),
      services_(services),
      registry_(registry),
      jm_(std::move(jm)),
      data_plane_(data_plane) {
  id_ = {tdd_.job, tdd_.attempt, tdd_.vertex, tdd_.subtask};
  vertex_ = &tdd_.job_graph->vertices.at(tdd_.vertex);
  name_ = fmt::format("{} ({}/{})", vertex_->name, tdd_.subtask + 1, vertex_->parallelism);
}

Task::~Task() {
  cancel();
  join();
}

void Task::start() {
  // run() waits until thread_ is stored: whoever sees the task end may then join it.
  std::promise<void> stored;
  thread_ = std::thread([this, stored = stored.get_future()] {
    stored.wait();
    set_thread_name(vertex_->name);  // as Flink names task threads after their vertex
    run();
    thread_done_.store(true);
  });
  stored.set_value();
}

void Task::cancel() {
  canceled_.store(true);
  wakeup_.notify();
  std::lock_guard lock(partitions_mu_);
  for (auto& p : partitions_) p->pool().wake_waiters();
}

void Task::join() {
  if (thread_.joinable()) thread_.join();
}

int64_t Task::output_wait_ns() {
  std::lock_guard lock(partitions_mu_);
  int64_t ns = 0;
  for (auto& p : partitions_) ns += p->pool().waited_ns();
  return ns + released_wait_ns_ + output_room_wait_.total_ns();
}

TaskMetrics Task::metrics() {
  TaskMetrics m;
  m.job = tdd_.job.to_string();
  m.vertex = vertex_->name;
  m.subtask = tdd_.subtask;
  m.parallelism = vertex_->parallelism;
  m.attempt = tdd_.attempt;
  m.records_in = records_in_.load(std::memory_order_relaxed);
  m.input_watermark = input_watermark_.load(std::memory_order_relaxed);
  m.state = state_.load(std::memory_order_relaxed);
  m.restored_bytes = restored_bytes_.load(std::memory_order_relaxed);
  m.restored_bytes_local = restored_local_bytes_.load(std::memory_order_relaxed);
  std::lock_guard lock(partitions_mu_);
  m.records_out = released_records_out_;
  m.idle_ns = idle_.total_ns();
  m.output_wait_ns = released_wait_ns_ + output_room_wait_.total_ns();
  for (auto& p : partitions_) {
    m.records_out += p->records_written();
    m.output_wait_ns += p->pool().waited_ns();
  }
  return m;
}

void Task::check_canceled() {
  if (canceled_.load(std::memory_order_relaxed)) throw TaskCanceled();
}

void Task::report(ExecutionState s, const std::string& error) {
  state_.store(s, std::memory_order_relaxed);
  jm_->update_task_execution_state({id_, s, error});
}

void Task::run() {
  ExecutionState final_state = ExecutionState::kFinished;
  std::string error;
  try {
    build();
    report(ExecutionState::kRunning);
    for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) {
      auto* op = it->get();
      call_operator(op, [&] { op->open(); });
    }
    if (vertex_->is_source)
      run_source();
    else
      run_inputs();
    input_finished_ = true;
    finish_chain();
    if (final_checkpoint_) await_final_checkpoint();
    for (auto& op : chain_) call_operator(op.get(), [&] { op->close(); });
    for (auto& p : partitions_) p->finish();
  } catch (const TaskCanceled&) {
    final_state = ExecutionState::kCanceled;
  } catch (const std::exception& e) {
    if (canceled_.load()) {
      final_state = ExecutionState::kCanceled;
    } else {
      final_state = ExecutionState::kFailed;
      error = e.what();
    }
  } catch (...) {  // thrown outside an operator call (a source, a serializer): the task fails all the same
    final_state = canceled_.load() ? ExecutionState::kCanceled : ExecutionState::kFailed;
    if (final_state == ExecutionState::kFailed)
      error = fmt::format("task '{}' failed: an exception that is not a std::exception", name_);
  }
  writer_.stop();
  if (clock_listener_ >= 0) pts_->clock().remove_listener(clock_listener_);
  // Release everything before reporting, so a finished job holds no buffers or threads' state.
  // Buffers stashed during alignment go first: once this task reports, the job may end and release
  // the channels that keep the producers' pools alive.
  channel_states_.clear();
  gates_.clear();
  chain_.clear();
  outputs_.clear();
  {
    std::lock_guard lock(partitions_mu_);  // cancel() may be iterating partitions_
    // Pools outlive this task while consumers hold their buffers: stop them signaling our wakeup.
    for (auto& p : partitions_) {
      p->pool().set_availability_listener(nullptr);
      released_records_out_ += p->records_written();
      released_wait_ns_ += p->pool().waited_ns();
    }
    partitions_.clear();
  }
  report(final_state, error);
}

void Task::run_timers_and_mail() {
  mailbox_.drain();
  if (pts_->next_deadline() <= pts_->now()) pts_->fire_due();
}

void Task::maybe_flush(bool force) {
  // Operators that batch per-record work hand over what they hold first (runtime/batch_end.h).
  runtime::run_batch_end_hooks();
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_flush_ < buffer_timeout_) return;
  for (auto& p : partitions_)
    if (p->has_unflushed()) p->flush_all();
  last_flush_ = now;
}

void Task::wait_for_work(bool backpressured) {
  Timestamp deadline = pts_->next_deadline();
  auto limit = std::chrono::steady_clock::now() + std::chrono::milliseconds(vertex_->is_source ? 10 : 1000);
  if (timeout_barrier_ > last_checkpoint_) limit = std::min(limit, timeout_due_);
  if (!pts_->clock().is_manual() && deadline != kMaxTimestamp) {
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(std::max<Timestamp>(0, deadline - pts_->now()));
    limit = std::min(limit, until);
  }
  runtime::run_batch_end_hooks();  // nothing may wait in an operator while the task sleeps
  ScopedWait waiting(backpressured ? output_room_wait_ : idle_);
  wakeup_.wait_until(limit);
}

void Task::run_source() {
  auto* src = dynamic_cast<runtime::SourceOperatorBase*>(chain_.front().get());
  if (!src) throw WeirError("internal: source vertex without a source operator");
  // Unaligned checkpoints: small batches that start only when every output has a free buffer, so a
  // backpressured source waits here (where it takes checkpoints) rather than inside emit_next().
  const int max_batch = buffer_timeout_.count() == 0 ? 1 : (unaligned_ ? 64 : 512);
  // A chain that is slow per record (a Python function, a sleeping map) must not keep its first records
  // in an unflushed buffer past the buffer timeout while it works through a batch: a batch that takes
  // more than half the timeout halves the next one, a quick one doubles it again (one clock read each).
  // It starts at one record: the first batch's records would otherwise wait for the whole batch.
  int batch = 1;
  for (;;) {
    check_canceled();
    run_timers_and_mail();
    if (unaligned_ && !outputs_available()) {
      maybe_flush(true);
      wait_for_work(/*backpressured=*/true);
      continue;
    }
    if (stop_requested_) break;
    runtime::InputStatus status;
    auto started = std::chrono::steady_clock::now();
    call_operator(src, [&] { status = src->emit_next(batch); });
    if (max_batch > 1) {
      auto took = std::chrono::steady_clock::now() - started;
      if (took * 2 > buffer_timeout_)
        batch = std::max(1, batch / 2);
      else if (took * 8 < buffer_timeout_)
        batch = std::min(max_batch, batch * 2);
    }
    if (status == runtime::InputStatus::kEndOfInput) break;
    if (status == runtime::InputStatus::kNothingAvailable) {
      maybe_flush(true);
      wait_for_work();
    } else {
      maybe_flush(buffer_timeout_.count() == 0);
    }
  }
}

bool Task::process_next_buffer(size_t& next_gate) {
  if (unaligned_ && (priority_.load(std::memory_order_acquire) || aligned_timeout_due())) handle_priority();
  bool got = false;
  for (size_t i = 0; i < gates_.size() && !got; ++i) {
    auto& g = gates_[(next_gate + i) % gates_.size()];
    auto next = g.gate->poll();
    if (next.buffer) {
      if (unaligned_cp_) on_polled(next, g.first_channel + next.channel);
      process_buffer(g, next.channel, std::move(next.buffer), 0);
      got = true;
    }
  }
  while (need_resume_) resume_stashed();
  next_gate = (next_gate + 1) % std::max<size_t>(1, gates_.size());
  return got;
}

void Task::run_inputs() {
  size_t next_gate = 0;
  auto all_ended = [&] {
    return std::all_of(inputs_.begin(), inputs_.end(), [](const LogicalInput& in) { return in.ended; });
  };
  for (auto& in : inputs_)
    if (in.channels.empty()) in.ended = true;
  while (!all_ended()) {
    check_canceled();
    run_timers_and_mail();
    if (process_next_buffer(next_gate)) {
      maybe_flush(buffer_timeout_.count() == 0);
    } else {
      maybe_flush(true);
      wait_for_work();
    }
  }
}

void Task::process_buffer(GateBinding& g, int channel, network::BufferPtr buf, uint32_t offset) {
  ChannelState& cs = channel_states_[g.first_channel + channel];
  if (cs.blocked) {
    stash(cs, g.first_channel + channel, std::move(buf), offset);
    return;
  }
  const network::Buffer& b = *buf;
  const uint8_t* p = b.data + offset;
  const uint8_t* end = b.data + b.size;
  auto stash_rest = [&] {
    if (p < end) stash(cs, g.first_channel + channel, std::move(buf), static_cast<uint32_t>(p - b.data));
  };
  // A frame may span buffers and is reassembled in cs.partial: its announced length is checked before
  // the reassembly grows (element_kind.h, kMaxFrameLength).
  auto where = [&] { return fmt::format("input channel {} of '{}'", g.first_channel + channel, name_); };
  if (!cs.partial.empty()) {
    // Complete a frame that began in an earlier buffer.
    if (cs.partial.size() < network::kFrameHeaderSize) {
      size_t take = std::min<size_t>(network::kFrameHeaderSize - cs.partial.size(), end - p);
      cs.partial.append(reinterpret_cast<const char*>(p), take);
      p += take;
      if (cs.partial.size() < network::kFrameHeaderSize) return;
    }
    const uint32_t len = network::read_frame_length(cs.partial.data(), where);
    size_t want = network::kFrameHeaderSize + len - cs.partial.size();
    size_t take = std::min<size_t>(want, end - p);
    cs.partial.append(reinterpret_cast<const char*>(p), take);
    p += take;
    if (take < want) return;
    std::string frame = std::move(cs.partial);
    cs.partial.clear();
    handle_frame(g, channel, reinterpret_cast<const uint8_t*>(frame.data()) + 4, len);
    if (cs.blocked) return stash_rest();
    if (unaligned_) yield_between_records(g.first_channel + channel, p, end);
  }
  while (p < end) {
    if (end - p < static_cast<ptrdiff_t>(network::kFrameHeaderSize)) {
      cs.partial.assign(reinterpret_cast<const char*>(p), end - p);
      return;
    }
    const uint32_t len = network::read_frame_length(p, where);
    if (static_cast<size_t>(end - p) < network::kFrameHeaderSize + len) {
      cs.partial.assign(reinterpret_cast<const char*>(p), end - p);
      return;
    }
    const uint8_t* frame = p + 4;
    p += network::kFrameHeaderSize + len;
    handle_frame(g, channel, frame, len);
    // A barrier blocked this channel: what follows it waits for the other channels' barriers.
    if (cs.blocked) return stash_rest();
    if (unaligned_) yield_between_records(g.first_channel + channel, p, end);
  }
}

void Task::stash(ChannelState& cs, int channel, network::BufferPtr buf, uint32_t offset) {
  if (buf->pool == nullptr) {
    cs.stashed_event_bytes += buf->size;
    if (cs.stashed_event_bytes > max_stashed_event_bytes_)
      throw SerializationError(fmt::format(
          "input channel {} of '{}' received {} bytes of events while blocked for a checkpoint's alignment, "
          "more than the {} bytes a channel may hold without credit: its producer sends events without end",
          channel, name_, cs.stashed_event_bytes, max_stashed_event_bytes_));
  }
  cs.stash.emplace_back(std::move(buf), offset);
}

void Task::handle_frame(GateBinding& g, int channel, const uint8_t* frame, uint32_t len) {
  // The bytes come from another process (or a corrupt buffer): every kind's length is checked before
  // its payload is read. A frame of length 0 has not even a kind.
  auto too_short = [&](uint32_t need, const char* what) {
    if (len < need)
      throw SerializationError(
          fmt::format("a {} frame of {} byte(s) in input channel {} of '{}' (it needs {})", what, len,
                      g.first_channel + channel, name_, need));
  };
  too_short(1, "data-plane");
  auto kind = static_cast<ElementKind>(frame[0]);
  ChannelState& cs = channel_states_[g.first_channel + channel];
  switch (kind) {
    case ElementKind::kRecord: {
      records_in_.store(records_in_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      DataInput in(frame + 1, len - 1);
      g.dispatcher->dispatch(in);
      break;
    }
    case ElementKind::kWatermark: {
      too_short(1 + sizeof(Timestamp), "watermark");
      Timestamp wm;
      std::memcpy(&wm, frame + 1, 8);
      if (wm > cs.watermark) {
        cs.watermark = wm;
        update_input(g.logical_input);
      }
      break;
    }
    case ElementKind::kWatermarkStatus:
      too_short(2, "watermark status");
      cs.idle = frame[1] != 0;
      update_input(g.logical_input);
      break;
    case ElementKind::kEndOfPartition:
      cs.ended = true;
      cs.end_of_data = true;
      update_input(g.logical_input);
      check_alignment_complete();
      if (unaligned_cp_ && !unaligned_cp_->done[g.first_channel + channel]) {
        unaligned_cp_->done[g.first_channel + channel] = true;
        maybe_complete_unaligned();
      }
      break;
    case ElementKind::kEndOfData:
      cs.end_of_data = true;
      update_input(g.logical_input);
      break;
    case ElementKind::kBarrier:
      on_barrier(g.first_channel + channel, decode_barrier(frame + 1, len - 1));
      break;
    default:
      throw SerializationError(fmt::format("unknown element kind {} in input of '{}'", int(frame[0]), name_));
  }
}

// What the watermark valve (watermark_valve.h) says about logical input `logical`, told to the head.
void Task::update_input(int logical) {
  const ValveOutput v = advance_valve(inputs_[logical], channel_states_);
  auto* head = chain_.front().get();
  if (v.idle) call_operator(head, [&] { head->process_watermark_status(*v.idle, logical); });
  if (v.watermark) {
    call_operator(head, [&] { head->process_watermark(*v.watermark, logical); });
    Timestamp low = kMaxTimestamp;  // the task's input watermark: its slowest input's
    for (const auto& other : inputs_) low = std::min(low, other.emitted);
    input_watermark_.store(low, std::memory_order_relaxed);
  }
  if (v.ended) call_operator(head, [&] { head->end_input(logical); });
}

void Task::finish_chain() {
  for (size_t i = 0; i < chain_.size(); ++i) {
    auto* op = chain_[i].get();
    call_operator(op, [&] {
      if (i > 0) op->end_input(0);
      op->finish();
    });
  }
}

}  // namespace weir::cluster
