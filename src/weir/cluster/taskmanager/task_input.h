#pragma once
// A task's network input (Flink's StreamTaskNetworkInput with its input processor): the input gates of
// the head operator, a state per input channel (input_channel_state.h) and the logical inputs with their
// watermark valves (watermark_valve.h). It polls the gates round robin, cuts each buffer into element
// frames and checks every length before use (the bytes may come from another process: a frame's
// announced length is at most network::kMaxFrameLength, and each kind has its least length), then hands
// records to the gate's dispatcher; watermarks, idleness and end of input to the head operator through
// the valve; barriers and a channel's end to the BarrierHandler, which decides about checkpoints. A
// channel the handler blocked (exactly-once alignment) holds what arrives in a stash, read once it is
// unblocked; events held so are bounded (taskmanager.network.max-stashed-event-bytes), as they travel
// without credit.
//
// The record path stays within this class: gate, frame, dispatcher. The handler is called for barriers
// and channel ends, and, in unaligned mode, before each poll and between records (the host).
//
// Threading: the task thread, except records_in() and input_watermark() (any thread).
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weir/checkpoint/operator_snapshot.h"
#include "weir/cluster/taskmanager/input_channel_state.h"
#include "weir/cluster/taskmanager/watermark_valve.h"
#include "weir/graph/job_graph.h"
#include "weir/network/input_gate.h"
#include "weir/runtime/stream_operator.h"
#include "weir/runtime/type_info.h"

namespace weir::cluster {

class BarrierHandler;

//! What the input needs of its task while it reads (implemented by Task).
class TaskInputHost {
 public:
  virtual ~TaskInputHost() = default;
  //! Unaligned checkpoints: called between two records of a buffer, with the input's read position
  //! set (what append_unprocessed() reports), where the task takes priority barriers and waits for
  //! output room instead of blocking inside an emit.
  virtual void between_records() = 0;
};

//! Keeps the element frames of in-flight data that a restore replays: records and watermarks (records
//! only when data of several old channels may share one new channel, whose watermarks would no longer
//! be per channel). Barriers, end of data and end of partition belong to the attempt that wrote them.
std::string keep_replayable_frames(std::string_view bytes, bool records_only);

class TaskInput {
 public:
  TaskInput(TaskInputHost& host, BarrierHandler& barriers) : host_(host), barriers_(barriers) {}
  TaskInput(const TaskInput&) = delete;
  TaskInput& operator=(const TaskInput&) = delete;

  //! Before any gate is added (the task's build()): the head operator and its number of inputs.
  void configure(std::string task_name, runtime::StreamOperator* head, int num_inputs, bool unaligned,
                 uint64_t max_stashed_event_bytes);
  //! A gate of the head operator's input `logical_input` (edge `edge`; its channels in order of the
  //! producing subtasks). `priority` (may be null) is raised when a channel receives a priority buffer.
  void add_gate(const graph::JobEdge* edge, int logical_input,
                std::vector<std::shared_ptr<network::LocalChannel>> channels,
                std::unique_ptr<runtime::RecordDispatcher> dispatcher, network::TaskWakeup* wakeup,
                std::atomic<bool>* priority);
  //! After the last gate: a logical input without channels has ended.
  void finish_setup();
  //! Puts the in-flight data of an unaligned checkpoint back in front of the channels. At the same
  //! parallelism each subtask takes its own; at another one, data of hash-partitioned inputs is offered
  //! to every new subtask, which keeps the records of its key groups; data of other inputs is dealt out
  //! by old subtask (round robin), and a broadcast input's data is taken from one old subtask.
  void restore_in_flight(const checkpoint::OperatorRestore& restore, const std::string& checkpoint,
                         int subtask, int parallelism, int max_parallelism);

  //! One step of reading: lets the barrier handler take a due priority barrier (unaligned), processes
  //! the first buffer of the gates polled round robin from `next_gate` (advanced), and reads what
  //! unblocked channels had stashed. False when no gate had a buffer.
  bool process_next(size_t& next_gate);
  //! Every logical input has ended.
  bool all_inputs_ended() const;
  //! Every channel has sent its end of partition.
  bool all_channels_ended() const;
  //! Drops the gates, channels and stashed buffers (the task's end, before it reports).
  void release();

  // ---- for the barrier handler (task thread) ----
  int num_channels() const { return static_cast<int>(channels_.size()); }
  InputChannelState& channel(int c) { return channels_[c]; }
  //! The gate's channel behind the task's channel `c` (priority buffers, queued data).
  network::LocalChannel& gate_channel(int c);
  //! (gate, channel within the gate) of the task's channel `c`.
  std::pair<int, int> owner(int c) const { return owner_[c]; }
  //! Unblocks every channel; what they stashed is read before the next buffer is polled.
  void unblock_all();
  //! Appends to `out` what the task holds of channel `c` but has not processed: the rest of the buffer
  //! being read (or the start of a frame that spans buffers), then the buffers its stash holds.
  void append_unprocessed(int c, std::string& out) const;

  // ---- metrics (any thread) ----
  int64_t records_in() const { return records_in_.load(std::memory_order_relaxed); }
  //! The minimum over the logical inputs' emitted watermarks (none yet: kMinTimestamp).
  Timestamp input_watermark() const { return input_watermark_.load(std::memory_order_relaxed); }

 private:
  struct Gate {
    std::unique_ptr<network::InputGate> gate;
    std::unique_ptr<runtime::RecordDispatcher> dispatcher;
    int logical_input = 0;
    int first_channel = 0;  // index of the gate's channel 0 in channels_
    const graph::JobEdge* edge = nullptr;
  };

  void process_buffer(Gate& g, int channel, network::BufferPtr buf, uint32_t offset);
  void handle_frame(Gate& g, int channel, const uint8_t* frame, uint32_t len);
  //! Holds `buf` from `offset` on while channel `c` is blocked. Unpooled buffers (events) come without
  //! credit: more than max_stashed_event_bytes_ of them fail the task, naming the channel.
  void stash(InputChannelState& cs, int c, network::BufferPtr buf, uint32_t offset);
  void resume_stashed();
  //! Tells the head operator what the valve of logical input `logical` says.
  void update_input(int logical);
  void yield_between_records(int c, const uint8_t* pos, const uint8_t* end);

  TaskInputHost& host_;
  BarrierHandler& barriers_;
  std::string name_;
  runtime::StreamOperator* head_ = nullptr;
  bool unaligned_ = false;
  // The most bytes of events a blocked channel may hold in its stash; its default is a remote channel's
  // bound on events not read yet (network::RemoteInputOptions), which they were until the task took
  // them from the channel.
  uint64_t max_stashed_event_bytes_ = 0;
  std::vector<Gate> gates_;
  std::deque<InputChannelState> channels_;  // deque: elements never move (they hold buffers)
  std::vector<std::pair<int, int>> owner_;  // channel -> (gate, channel within the gate)
  std::vector<LogicalInputState> inputs_;
  bool need_resume_ = false;
  // Where the task thread is inside a buffer while it yields between records (unaligned).
  int cur_channel_ = -1;
  const uint8_t* cur_pos_ = nullptr;
  const uint8_t* cur_end_ = nullptr;
  // Written by the task thread only (load + store, no read-modify-write); read by metrics().
  std::atomic<int64_t> records_in_{0};
  std::atomic<Timestamp> input_watermark_{kMinTimestamp};
};

}  // namespace weir::cluster
