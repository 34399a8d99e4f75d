#include "weir/cluster/taskmanager/task.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/common/config_options.h"
#include "weir/common/failure_points.h"
#include "weir/common/log.h"
#include "weir/graph/stream_graph.h"
#include "weir/runtime/batch_end.h"
#include "weir/runtime/operator_failure.h"
#include "weir/runtime/source_operator.h"
#include "weir/state/keyed_state_backend_factory.h"

namespace weir::cluster {

using network::ElementKind;

namespace {
int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

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
  thread_ = std::thread([this] {
    run();
    thread_done_.store(true);
  });
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

template <typename F>
void Task::call_operator(runtime::StreamOperator* op, F&& f) {
  try {
    f();
  } catch (const runtime::OperatorFailure&) {
    throw;
  } catch (const TaskCanceled&) {
    throw;
  } catch (const std::exception& e) {
    throw runtime::OperatorFailure(op->runtime().name, e.what());
  }
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
  }
  stop_writer();
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

void Task::build() {
  const auto& jg = *tdd_.job_graph;
  const auto& sg = *jg.stream_graph;
  const auto& config = jg.config;
  buffer_timeout_ = config.get_duration(options::kBufferTimeout);
  exactly_once_ = config.get_string(options::kCheckpointMode) != "at_least_once";
  final_checkpoint_ = config.get_duration(options::kCheckpointInterval).count() > 0;
  unaligned_ = exactly_once_ && config.get_bool(options::kUnalignedCheckpoints);
  aligned_timeout_ = config.get_duration(options::kAlignedCheckpointTimeout);
  local_backup_ = services_.local_state && options::local_backup_enabled(config);
  local_recovery_ = services_.local_state && options::local_recovery_enabled(config);
  pts_ = std::make_unique<runtime::ProcessingTimeService>(tdd_.clock ? tdd_.clock : SystemClock::shared());
  if (pts_->clock().is_manual()) clock_listener_ = pts_->clock().add_listener([this] { wakeup_.notify(); });

  const std::string job_key = fmt::format("{}#{}", tdd_.job.to_string(), tdd_.attempt);
  const uint32_t segment = static_cast<uint32_t>(config.get_memory(options::kSegmentSize, true));
  const int per_channel = static_cast<int>(config.get_int(options::kBuffersPerChannel));
  const int floating = static_cast<int>(config.get_int(options::kFloatingBuffersPerGate));

  std::map<int, runtime::StreamOperator*> ops;
  for (int node_id : vertex_->nodes) {
    const auto& node = sg.node(node_id);
    chain_.push_back(node.factory());
    ops[node_id] = chain_.back().get();
  }

  // Result partitions: one per outgoing network edge.
  std::map<int, network::ResultPartition*> partition_of_edge;
  for (const auto& e : jg.edges) {
    if (e.source_vertex != vertex_->id) continue;
    const auto& target = jg.vertices[e.target_vertex];
    std::vector<std::shared_ptr<network::LocalChannel>> channels;
    if (e.pointwise()) {
      channels.push_back(registry_->channel({job_key, e.id, tdd_.subtask, tdd_.subtask}));
    } else {
      for (int c = 0; c < target.parallelism; ++c)
        channels.push_back(registry_->channel({job_key, e.id, tdd_.subtask, c}));
    }
    auto pool = std::make_shared<network::BufferPool>(
        segment, static_cast<uint32_t>(per_channel * channels.size() + floating));
    if (unaligned_) pool->set_availability_listener(&wakeup_);
    std::lock_guard lock(partitions_mu_);
    partitions_.push_back(
        std::make_unique<network::ResultPartition>(std::move(pool), std::move(channels), &canceled_));
    partition_of_edge[e.id] = partitions_.back().get();
  }

  // Outputs of each chained operator.
  size_t ops_setup = 0;
  for (int node_id : vertex_->nodes) {
    const auto& node = sg.node(node_id);
    std::vector<runtime::OutputBase*> main;
    std::map<std::string, std::vector<runtime::OutputBase*>> side;
    std::map<std::string, std::shared_ptr<runtime::TypeInfoBase>> side_types;
    auto add = [&](const std::string& tag, const std::shared_ptr<runtime::TypeInfoBase>& type,
                   std::unique_ptr<runtime::OutputBase> out) {
      runtime::OutputBase* raw = out.get();
      outputs_.push_back(std::move(out));
      if (tag.empty()) {
        main.push_back(raw);
      } else {
        side[tag].push_back(raw);
        side_types[tag] = type;
      }
    };
    for (const auto& e : jg.chained_edges)
      if (e.source == node_id)
        add(e.side_tag, e.type, e.type->chaining_output(ops[e.target], e.target_input));
    for (const auto& e : jg.edges)
      if (e.source_node == node_id)
        add(e.side_tag, e.type,
            e.type->network_output(partition_of_edge[e.id], e.partitioner, tdd_.subtask,
                                   jg.vertices[e.target_vertex].max_parallelism));

    runtime::OperatorRuntime rt;
    rt.name = node.name;
    rt.uid = node.uid;
    rt.operator_id = graph::operator_id_of(node);
    rt.job_id = tdd_.job.to_string();
    rt.attempt = tdd_.attempt;
    rt.task_name = name_;
    rt.subtask_index = tdd_.subtask;
    rt.chain_position = static_cast<int>(ops_setup++);
    rt.parallelism = vertex_->parallelism;
    rt.max_parallelism = vertex_->max_parallelism;
    rt.key_groups = key_group_range_for_subtask(vertex_->max_parallelism, vertex_->parallelism, tdd_.subtask);
    rt.processing_time = pts_.get();
    rt.config = &jg.config;
    rt.canceled = &canceled_;
    auto combine = [&](std::vector<runtime::OutputBase*>& outs,
                       const std::shared_ptr<runtime::TypeInfoBase>& type) {
      if (outs.size() == 1) return outs[0];
      auto out = outs.empty() ? type->discarding_output() : type->broadcasting_output(outs);
      outputs_.push_back(std::move(out));
      return outputs_.back().get();
    };
    rt.output = combine(main, node.out_type);
    for (auto& [tag, outs] : side) rt.side_outputs[tag] = combine(outs, side_types[tag]);

    std::unique_ptr<state::KeyedStateBackend> backend;
    if (ops[node_id]->is_keyed()) {
      // Subtask i of every vertex shares slot i (slot sharing): their RocksDB instances share its budget.
      state::KeyedBackendContext bc{rt.key_groups,
                                    vertex_->max_parallelism,
                                    pts_->shared_clock(),
                                    rt.job_id,
                                    rt.operator_id,
                                    rt.subtask_index,
                                    fmt::format("{}/{}", rt.job_id, rt.subtask_index),
                                    static_cast<int>(jg.config.get_int(options::kSlotsPerTaskManager))};
      if (local_backup_ || local_recovery_) {
        bc.local_state_dir = services_.local_state->subtask_dir(rt.job_id, tdd_.vertex, tdd_.subtask);
        bc.local_backup = local_backup_;
        bc.local_recovery = local_recovery_;
      }
      backend = state::create_keyed_state_backend(jg.config, bc);
    }
    ops[node_id]->setup(std::move(rt), std::move(backend));
    if (tdd_.restore) {
      auto* op = ops[node_id];
      WEIR_FAILURE_POINT("task.restore");
      if (!restored_) read_restore();
      call_operator(op, [&] { op->initialize_state(restored_->for_operator(op->runtime().operator_id)); });
    }
  }
  if (restored_) account_restore();

  // Input gates of the head operator. A remote channel gets the exclusive buffers a local producer
  // would give it, as its credit.
  const network::RemoteInputOptions remote{static_cast<uint32_t>(per_channel), segment};
  auto* head = chain_.front().get();
  inputs_.resize(std::max(head->num_inputs(), 0));
  for (const auto& e : jg.edges) {
    if (e.target_vertex != vertex_->id) continue;
    const auto& source = jg.vertices[e.source_vertex];
    std::vector<std::shared_ptr<network::LocalChannel>> channels;
    if (e.pointwise()) {
      channels.push_back(input_channel(e, job_key, tdd_.subtask, remote));
    } else {
      for (int p = 0; p < source.parallelism; ++p) channels.push_back(input_channel(e, job_key, p, remote));
    }
    GateBinding g;
    g.logical_input = e.target_input;
    g.edge = &e;
    g.first_channel = static_cast<int>(channel_states_.size());
    for (size_t i = 0; i < channels.size(); ++i) {
      inputs_.at(e.target_input).channels.push_back(g.first_channel + static_cast<int>(i));
      channel_states_.emplace_back();
      channel_owner_.emplace_back(static_cast<int>(gates_.size()), static_cast<int>(i));
    }
    g.dispatcher = e.type->dispatcher(head, e.target_input);
    g.gate = std::make_unique<network::InputGate>(static_cast<int>(gates_.size()), std::move(channels),
                                                  &wakeup_, unaligned_ ? &priority_ : nullptr);
    gates_.push_back(std::move(g));
  }
  if (restored_) restore_in_flight();
  restored_.reset();  // operators copied what they need
  last_flush_ = std::chrono::steady_clock::now();
}

// This subtask's share only: the old files' heads and the byte ranges of its key groups, from the
// TaskManager's local copies where local recovery is on and they match.
void Task::read_restore() {
  const auto range =
      key_group_range_for_subtask(vertex_->max_parallelism, vertex_->parallelism, tdd_.subtask);
  restored_ = std::make_unique<checkpoint::RestoredCheckpoint>(
      checkpoint::read_task_restore(*tdd_.restore, range, local_recovery_ ? services_.local_state : nullptr));
}

// What restoring read, once every operator restored: the task files (read_restore) and what the keyed
// state backends read beside them (keyed-state files, the shared files of incremental checkpoints).
void Task::account_restore() {
  uint64_t remote = restored_->bytes_read, local = restored_->local_bytes_read;
  std::vector<std::string> fallbacks = restored_->local_fallbacks;
  for (auto& op : chain_)
    if (auto* b = op->keyed_backend()) {
      const auto& r = b->restore_reads();
      remote += r.remote_bytes;
      local += r.local_bytes;
      fallbacks.insert(fallbacks.end(), r.local_fallbacks.begin(), r.local_fallbacks.end());
    }
  restored_bytes_.store(remote, std::memory_order_relaxed);
  restored_local_bytes_.store(local, std::memory_order_relaxed);
  for (const auto& why : fallbacks)
    log::get("taskmanager").warn("task '{}': {}; reading the checkpoint storage instead", name_, why);
  if (auto* c = services_.restore_counters) {
    c->remote_bytes += remote;
    c->remote_union_bytes += restored_->union_bytes_read;
    c->local_bytes += local;
    if (!tdd_.restore->metadata.tasks.empty()) c->subtasks += 1;  // it had state to read
    if (local > 0 && remote == restored_->union_bytes_read) c->local_subtasks += 1;
    c->local_fallbacks += static_cast<int64_t>(fallbacks.size());
  }
}

std::shared_ptr<network::LocalChannel> Task::input_channel(const graph::JobEdge& e,
                                                           const std::string& job_key, int producer,
                                                           const network::RemoteInputOptions& remote) {
  const network::ChannelId id{job_key, e.id, producer, tdd_.subtask};
  if (tdd_.locations.empty()) return registry_->channel(id);
  const std::string& where = tdd_.locations.at(e.source_vertex).at(producer);
  if (where.empty() || (data_plane_ && where == data_plane_->address())) return registry_->channel(id);
  if (!data_plane_)
    throw WeirError(
        fmt::format("subtask {} of '{}' runs in the TaskManager at {}, but this TaskManager has no "
                    "data plane to read from it",
                    producer + 1, tdd_.job_graph->vertices.at(e.source_vertex).name, where));
  return data_plane_->remote_input(id, where, remote);
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
    if (got) {
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
    cs.stash.emplace_back(std::move(buf), offset);
    return;
  }
  const network::Buffer& b = *buf;
  const uint8_t* p = b.data + offset;
  const uint8_t* end = b.data + b.size;
  auto stash_rest = [&] {
    if (p < end) cs.stash.emplace_back(std::move(buf), static_cast<uint32_t>(p - b.data));
  };
  if (!cs.partial.empty()) {
    // Complete a frame that began in an earlier buffer.
    if (cs.partial.size() < network::kFrameHeaderSize) {
      size_t take = std::min<size_t>(network::kFrameHeaderSize - cs.partial.size(), end - p);
      cs.partial.append(reinterpret_cast<const char*>(p), take);
      p += take;
      if (cs.partial.size() < network::kFrameHeaderSize) return;
    }
    uint32_t len;
    std::memcpy(&len, cs.partial.data(), 4);
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
    uint32_t len;
    std::memcpy(&len, p, 4);
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

// The watermark valve of one logical input: minimum over channels that are neither idle nor ended.
void Task::update_input(int logical) {
  LogicalInput& in = inputs_[logical];
  auto* head = chain_.front().get();
  Timestamp wm = kMaxTimestamp;
  bool any_active = false, all_ended = true;
  for (int c : in.channels) {
    const auto& cs = channel_states_[c];
    bool done = cs.ended || cs.end_of_data;
    if (!done) all_ended = false;
    if (done || cs.idle) continue;
    any_active = true;
    wm = std::min(wm, cs.watermark);
  }
  bool idle = !any_active && !all_ended;
  if (idle != in.idle_emitted) {
    in.idle_emitted = idle;
    call_operator(head, [&] { head->process_watermark_status(idle, logical); });
  }
  if (any_active && wm > in.emitted) {
    in.emitted = wm;
    call_operator(head, [&] { head->process_watermark(wm, logical); });
    Timestamp low = kMaxTimestamp;  // the task's input watermark: its slowest input's
    for (const auto& other : inputs_) low = std::min(low, other.emitted);
    input_watermark_.store(low, std::memory_order_relaxed);
  }
  if (all_ended && !in.ended) {
    in.ended = true;
    call_operator(head, [&] { head->end_input(logical); });
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

// ---- checkpoints ----

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
  while (!(final_checkpoint_done_ && all_partitions_ended())) {
    check_canceled();
    mailbox_.drain();
    if (unaligned_ && (priority_.load(std::memory_order_acquire) || aligned_timeout_due())) handle_priority();
    bool got = false;
    for (auto& g : gates_) {
      auto next = g.gate->poll();
      if (next.buffer) {
        if (unaligned_cp_) on_polled(next, g.first_channel + next.channel);
        process_buffer(g, next.channel, std::move(next.buffer), 0);
        got = true;
      }
    }
    while (need_resume_) resume_stashed();
    if (!got) {
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
      post_to_writer([store = services_.local_state, job = tdd_.job.to_string(), v = tdd_.vertex,
                      s = tdd_.subtask, id] { store->confirm(job, v, s, id); });
    if (input_finished_ && id > finished_at_checkpoint_) final_checkpoint_done_ = true;
    for (auto& op : chain_) call_operator(op.get(), [&] { op->notify_checkpoint_complete(id); });
  });
}

void Task::notify_checkpoint_aborted(int64_t id) {
  mailbox_.put([this, id] {
    if (local_backup_)
      post_to_writer([store = services_.local_state, job = tdd_.job.to_string(), v = tdd_.vertex,
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
  post_to_writer([this, snap = std::move(snap), b, stats]() mutable {
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

void Task::post_to_writer(std::function<void()> job) {
  {
    std::lock_guard lock(writer_mu_);
    if (writer_stop_) return;  // the task is ending: no new work
    if (!writer_.joinable()) writer_ = std::thread([this] { run_writer(); });
    writer_queue_.push_back(std::move(job));
  }
  writer_cv_.notify_one();
}

void Task::run_writer() {
  std::unique_lock lock(writer_mu_);
  for (;;) {
    writer_cv_.wait(lock, [&] { return writer_stop_ || !writer_queue_.empty(); });
    if (writer_queue_.empty() && writer_stop_) return;
    auto job = std::move(writer_queue_.front());
    writer_queue_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void Task::stop_writer() {
  {
    std::lock_guard lock(writer_mu_);
    writer_stop_ = true;
  }
  writer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

}  // namespace weir::cluster
