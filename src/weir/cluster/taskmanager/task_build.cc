// Building a task from its deployment (Flink's OperatorChain and the task's input setup): the chained
// operators, their outputs (chained, to result partitions, side outputs), keyed state backends, the
// restore of operator state, and the input gates with their channels, local or remote.
#include <map>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/cluster/taskmanager/task.h"
#include "weir/cluster/taskmanager/task_options.h"
#include "weir/common/config_options.h"
#include "weir/common/failure_points.h"
#include "weir/common/log.h"
#include "weir/graph/stream_graph.h"
#include "weir/state/keyed_state_backend_factory.h"

namespace weir::cluster {

void Task::build() {
  const auto& jg = *tdd_.job_graph;
  const auto& sg = *jg.stream_graph;
  const auto& config = jg.config;
  buffer_timeout_ = config.get_duration(options::kBufferTimeout);
  BarrierHandler::Options barrier_options;
  barrier_options.exactly_once = config.get_string(options::kCheckpointMode) != "at_least_once";
  barrier_options.unaligned = barrier_options.exactly_once && config.get_bool(options::kUnalignedCheckpoints);
  barrier_options.aligned_timeout = config.get_duration(options::kAlignedCheckpointTimeout);
  barriers_.configure(name_, barrier_options);
  const bool unaligned = barrier_options.unaligned;
  final_checkpoint_ = config.get_duration(options::kCheckpointInterval).count() > 0;
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
    if (unaligned) pool->set_availability_listener(&wakeup_);
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
    rt.wake_task = [this] { wakeup_.notify(); };
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
  input_.configure(name_, head, head->num_inputs(), unaligned,
                   static_cast<uint64_t>(config.get_memory(options::kMaxStashedEventBytes, true)));
  for (const auto& e : jg.edges) {
    if (e.target_vertex != vertex_->id) continue;
    const auto& source = jg.vertices[e.source_vertex];
    std::vector<std::shared_ptr<network::LocalChannel>> channels;
    if (e.pointwise()) {
      channels.push_back(input_channel(e, job_key, tdd_.subtask, remote));
    } else {
      for (int p = 0; p < source.parallelism; ++p) channels.push_back(input_channel(e, job_key, p, remote));
    }
    input_.add_gate(&e, e.target_input, std::move(channels), e.type->dispatcher(head, e.target_input),
                    &wakeup_, barriers_.priority_flag());
  }
  input_.finish_setup();
  if (restored_)
    input_.restore_in_flight(restored_->for_operator(head->runtime().operator_id), tdd_.restore->path,
                             tdd_.subtask, vertex_->parallelism, vertex_->max_parallelism);
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

}  // namespace weir::cluster
