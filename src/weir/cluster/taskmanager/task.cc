#include "weir/cluster/taskmanager/task.h"

// The task's life and its loops: start, cancel, the run (build, open, process, finish, close, release,
// report), the source loop and the input loop, and the waits between them. Building is in
// task_build.cc, the input in task_input.cc, barriers in barrier_handler.cc, the task's part of a
// checkpoint in task_checkpoint.cc.
#include <algorithm>
#include <future>

#include <fmt/format.h>

#include "weir/common/thread_name.h"
#include "weir/runtime/batch_end.h"
#include "weir/runtime/source_operator.h"

namespace weir::cluster {

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
  m.records_in = input_.records_in();
  m.input_watermark = input_.input_watermark();
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
  input_.release();
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
  // A fresh reading at every turn: records of this turn see a time no older than it
  // (processing_time_service.h).
  if (pts_->next_deadline() <= pts_->refresh()) pts_->fire_due();
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
  if (auto due = barriers_.aligned_timeout_deadline()) limit = std::min(limit, *due);
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
  const bool unaligned = barriers_.options().unaligned;
  const int max_batch = buffer_timeout_.count() == 0 ? 1 : (unaligned ? 64 : 512);
  // A chain that is slow per record (a Python function, a sleeping map) must not keep its first records
  // in an unflushed buffer past the buffer timeout while it works through a batch: a batch that takes
  // more than half the timeout halves the next one, a quick one doubles it again (one clock read each).
  // It starts at one record: the first batch's records would otherwise wait for the whole batch.
  int batch = 1;
  for (;;) {
    check_canceled();
    run_timers_and_mail();
    if (unaligned && !outputs_available()) {
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

void Task::run_inputs() {
  size_t next_gate = 0;
  while (!input_.all_inputs_ended()) {
    check_canceled();
    run_timers_and_mail();
    if (input_.process_next(next_gate)) {
      maybe_flush(buffer_timeout_.count() == 0);
    } else {
      maybe_flush(true);
      wait_for_work();
    }
  }
}

bool Task::outputs_available() const {
  for (const auto& p : partitions_)
    if (!p->available()) return false;
  return true;
}

void Task::between_records() {
  for (;;) {
    barriers_.check_priority();
    if (outputs_available()) break;
    // Backpressure: wait here, between records, where barriers can still be taken, instead of inside
    // an emit that waits for a buffer.
    maybe_flush(true);
    run_timers_and_mail();
    check_canceled();
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    if (auto due = barriers_.aligned_timeout_deadline()) until = std::min(until, *due);
    runtime::run_batch_end_hooks();
    ScopedWait waiting(output_room_wait_);
    wakeup_.wait_until(until);
  }
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
