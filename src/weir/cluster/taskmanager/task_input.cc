#include "weir/cluster/taskmanager/task_input.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/cluster/taskmanager/barrier_handler.h"
#include "weir/cluster/taskmanager/operator_call.h"
#include "weir/common/error.h"
#include "weir/common/key_group.h"
#include "weir/network/element_kind.h"

namespace weir::cluster {

using network::ElementKind;

std::string keep_replayable_frames(std::string_view bytes, bool records_only) {
  std::string out;
  out.reserve(bytes.size());
  network::for_each_frame(bytes, [&](ElementKind kind, std::string_view frame, std::string_view) {
    if (kind == ElementKind::kRecord ||
        (!records_only && (kind == ElementKind::kWatermark || kind == ElementKind::kWatermarkStatus)))
      out.append(frame);
  });
  return out;
}

void TaskInput::configure(std::string task_name, runtime::StreamOperator* head, int num_inputs,
                          bool unaligned, uint64_t max_stashed_event_bytes) {
  name_ = std::move(task_name);
  head_ = head;
  unaligned_ = unaligned;
  max_stashed_event_bytes_ = max_stashed_event_bytes;
  inputs_.resize(std::max(num_inputs, 0));
}

void TaskInput::add_gate(const graph::JobEdge* edge, int logical_input,
                         std::vector<std::shared_ptr<network::LocalChannel>> channels,
                         std::unique_ptr<runtime::RecordDispatcher> dispatcher, network::TaskWakeup* wakeup,
                         std::atomic<bool>* priority) {
  Gate g;
  g.logical_input = logical_input;
  g.edge = edge;
  g.first_channel = num_channels();
  for (size_t i = 0; i < channels.size(); ++i) {
    inputs_.at(logical_input).channels.push_back(g.first_channel + static_cast<int>(i));
    channels_.emplace_back();
    owner_.emplace_back(static_cast<int>(gates_.size()), static_cast<int>(i));
  }
  g.dispatcher = std::move(dispatcher);
  g.gate = std::make_unique<network::InputGate>(static_cast<int>(gates_.size()), std::move(channels), wakeup,
                                                priority);
  gates_.push_back(std::move(g));
}

void TaskInput::finish_setup() {
  for (auto& in : inputs_)
    if (in.channels.empty()) in.ended = true;
}

void TaskInput::restore_in_flight(const checkpoint::OperatorRestore& restore, const std::string& checkpoint,
                                  int subtask, int parallelism, int max_parallelism) {
  bool any = false;
  for (const auto* part : restore.parts)
    if (!part->in_flight.empty()) any = true;
  if (!any) return;
  const int old_p = restore.parts.front()->parallelism;
  const int new_p = parallelism;
  const auto range = key_group_range_for_subtask(max_parallelism, new_p, subtask);
  for (const auto* part : restore.parts) {
    for (const auto& c : part->in_flight) {
      if (c.gate < 0 || c.gate >= static_cast<int>(gates_.size()) || c.channel < 0)
        throw WeirError(
            fmt::format("checkpoint {}: in-flight data of operator '{}' names input {}/{}, which "
                        "this job does not have",
                        checkpoint, head_->runtime().name, c.gate, c.channel));
      auto& g = gates_[c.gate];
      const auto kind = g.edge->partitioner.kind;
      std::string bytes;
      if (old_p == new_p) {
        if (part->subtask != subtask) continue;
        bytes = c.bytes;
      } else if (kind == runtime::PartitionerKind::kHash) {
        bytes = g.edge->type->keep_key_groups(c.bytes, g.edge->partitioner, max_parallelism, range);
      } else if (kind == runtime::PartitionerKind::kBroadcast) {
        if (part->subtask != subtask % old_p) continue;
        bytes = keep_replayable_frames(c.bytes, /*records_only=*/true);
      } else {
        if (part->subtask % new_p != subtask) continue;
        bytes = keep_replayable_frames(c.bytes, /*records_only=*/true);
      }
      if (bytes.empty()) continue;
      const int channel = c.channel % g.gate->num_channels();
      g.gate->channel(channel).push_front(
          network::make_unpooled_buffer(bytes.data(), static_cast<uint32_t>(bytes.size()), false));
    }
  }
}

bool TaskInput::process_next(size_t& next_gate) {
  barriers_.check_priority();
  bool got = false;
  for (size_t i = 0; i < gates_.size() && !got; ++i) {
    auto& g = gates_[(next_gate + i) % gates_.size()];
    auto next = g.gate->poll();
    if (next.buffer) {
      barriers_.on_polled(next, g.first_channel + next.channel);
      process_buffer(g, next.channel, std::move(next.buffer), 0);
      got = true;
    }
  }
  while (need_resume_) resume_stashed();
  next_gate = (next_gate + 1) % std::max<size_t>(1, gates_.size());
  return got;
}

bool TaskInput::all_inputs_ended() const {
  return std::all_of(inputs_.begin(), inputs_.end(), [](const LogicalInputState& in) { return in.ended; });
}

bool TaskInput::all_channels_ended() const {
  return std::all_of(channels_.begin(), channels_.end(), [](const InputChannelState& c) { return c.ended; });
}

void TaskInput::release() {
  // Stashed buffers first: they hold the producers' pools.
  channels_.clear();
  gates_.clear();
}

network::LocalChannel& TaskInput::gate_channel(int c) {
  auto [gate, local] = owner_[c];
  return gates_[gate].gate->channel(local);
}

void TaskInput::unblock_all() {
  for (auto& cs : channels_) cs.blocked = false;
  need_resume_ = true;
}

void TaskInput::append_unprocessed(int c, std::string& out) const {
  const auto& cs = channels_[c];
  if (c == cur_channel_)
    out.append(reinterpret_cast<const char*>(cur_pos_), cur_end_ - cur_pos_);
  else
    out.append(cs.partial);
  for (const auto& [buf, offset] : cs.stash)
    out.append(reinterpret_cast<const char*>(buf->data) + offset, buf->size - offset);
}

void TaskInput::process_buffer(Gate& g, int channel, network::BufferPtr buf, uint32_t offset) {
  InputChannelState& cs = channels_[g.first_channel + channel];
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

void TaskInput::stash(InputChannelState& cs, int c, network::BufferPtr buf, uint32_t offset) {
  if (buf->pool == nullptr) {
    cs.stashed_event_bytes += buf->size;
    if (cs.stashed_event_bytes > max_stashed_event_bytes_)
      throw SerializationError(fmt::format(
          "input channel {} of '{}' received {} bytes of events while blocked for a checkpoint's alignment, "
          "more than the {} bytes a channel may hold without credit: its producer sends events without end",
          c, name_, cs.stashed_event_bytes, max_stashed_event_bytes_));
  }
  cs.stash.emplace_back(std::move(buf), offset);
}

void TaskInput::resume_stashed() {
  need_resume_ = false;
  for (size_t c = 0; c < channels_.size(); ++c) {
    auto& cs = channels_[c];
    while (!cs.blocked && !cs.stash.empty()) {
      auto [buf, offset] = std::move(cs.stash.front());
      cs.stash.pop_front();
      if (buf->pool == nullptr) cs.stashed_event_bytes -= buf->size;
      auto [gate, local] = owner_[c];
      process_buffer(gates_[gate], local, std::move(buf), offset);
    }
  }
}

void TaskInput::handle_frame(Gate& g, int channel, const uint8_t* frame, uint32_t len) {
  const int c = g.first_channel + channel;
  // The bytes come from another process (or a corrupt buffer): every kind's length is checked before
  // its payload is read. A frame of length 0 has not even a kind.
  auto too_short = [&](uint32_t need, const char* what) {
    if (len < need)
      throw SerializationError(fmt::format(
          "a {} frame of {} byte(s) in input channel {} of '{}' (it needs {})", what, len, c, name_, need));
  };
  too_short(1, "data-plane");
  auto kind = static_cast<ElementKind>(frame[0]);
  InputChannelState& cs = channels_[c];
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
      barriers_.on_end_of_partition(c);
      break;
    case ElementKind::kEndOfData:
      cs.end_of_data = true;
      update_input(g.logical_input);
      break;
    case ElementKind::kBarrier:
      barriers_.on_barrier(c, decode_barrier(frame + 1, len - 1));
      break;
    default:
      throw SerializationError(fmt::format("unknown element kind {} in input of '{}'", int(frame[0]), name_));
  }
}

void TaskInput::update_input(int logical) {
  const ValveOutput v = advance_valve(inputs_[logical], channels_);
  if (v.idle) call_operator(head_, [&] { head_->process_watermark_status(*v.idle, logical); });
  if (v.watermark) {
    call_operator(head_, [&] { head_->process_watermark(*v.watermark, logical); });
    Timestamp low = kMaxTimestamp;  // the task's input watermark: its slowest input's
    for (const auto& other : inputs_) low = std::min(low, other.emitted);
    input_watermark_.store(low, std::memory_order_relaxed);
  }
  if (v.ended) call_operator(head_, [&] { head_->end_input(logical); });
}

void TaskInput::yield_between_records(int c, const uint8_t* pos, const uint8_t* end) {
  cur_channel_ = c;
  cur_pos_ = pos;
  cur_end_ = end;
  host_.between_records();
  cur_channel_ = -1;
}

}  // namespace weir::cluster
