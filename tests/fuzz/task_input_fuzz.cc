// A task's element stream: the buffers a producer (another process, through the data plane) puts in a
// task's input channels, read by the task's TaskInput and BarrierHandler as a task reads them: frames cut
// out of buffers and reassembled across them, records handed to a dispatcher that reads their fields,
// watermarks and idleness through the valve, barriers aligned, held back or taken unaligned (priority
// buffers), in-flight data recorded, events held by a blocked channel bounded.
//
// Input: byte 0 picks the setup (bits 0-1: 1 to 3 channels; bit 2: at least once; bit 3: unaligned).
// Then chunks: a byte (bits 0-1: the channel; bit 2: a priority buffer; bit 3: read the input after it),
// a little-endian u16 length, and that many bytes (fewer at the end), each pushed as one buffer.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_target.h"
#include "weir/cluster/taskmanager/barrier_handler.h"
#include "weir/cluster/taskmanager/task_input.h"
#include "weir/common/data_io.h"
#include "weir/network/local_channel.h"

namespace {

using namespace weir;

//! The head operator: hears watermarks, idleness and ends (the base class's bookkeeping needs setup()).
struct Head : runtime::StreamOperator {
  void process_watermark(Timestamp, int) override {}
  void process_watermark_status(bool, int) override {}
  void end_input(int) override {}
};

//! Reads a record's fields as a typed serializer would: a timestamp and a string.
struct Fields : runtime::RecordDispatcher {
  void dispatch(DataInput& in) override {
    static_cast<void>(in.read_fixed<int64_t>());
    static_cast<void>(in.read_bytes());
  }
};

struct Target : cluster::CheckpointTarget {
  std::shared_ptr<checkpoint::TaskSnapshot> snapshot_and_forward(const cluster::CheckpointBarrier&,
                                                                 bool) override {
    auto s = std::make_shared<checkpoint::TaskSnapshot>();
    s->operators.emplace_back();
    return s;
  }
  void write_snapshot(std::shared_ptr<checkpoint::TaskSnapshot>, const cluster::CheckpointBarrier&,
                      cluster::CheckpointAck) override {}
  void decline_checkpoint(int64_t, const std::string&) override {}
};

//! Between records (unaligned) the task takes priority barriers; its outputs always have room here.
struct Host : cluster::TaskInputHost {
  cluster::BarrierHandler* handler = nullptr;
  void between_records() override { handler->check_priority(); }
};

//! The input and its handler, each referring to the other.
struct Harness {
  Target target;
  Host host;
  cluster::BarrierHandler handler{input, target};
  cluster::TaskInput input{host, handler};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int n = 1 + std::min(data[0] & 3, 2);
  cluster::BarrierHandler::Options options;
  options.exactly_once = (data[0] & 4) == 0;
  options.unaligned = (data[0] & 8) != 0;
  Head head;
  network::TaskWakeup wakeup;
  Harness h;
  h.host.handler = &h.handler;
  h.handler.configure("fuzz (1/1)", options);
  h.input.configure("fuzz (1/1)", &head, 1, options.unaligned, /*max_stashed_event_bytes=*/64 << 10);
  std::vector<std::shared_ptr<network::LocalChannel>> channels;
  for (int c = 0; c < n; ++c) channels.push_back(std::make_shared<network::LocalChannel>());
  h.input.add_gate(nullptr, 0, channels, std::make_unique<Fields>(), &wakeup, h.handler.priority_flag());
  h.input.finish_setup();
  auto read = [&] {
    size_t next = 0;
    while (h.input.process_next(next)) {
    }
  };
  fuzz::refuse_or_accept([&] {
    size_t pos = 1;
    while (pos + 3 <= size) {
      const uint8_t how = data[pos];
      uint16_t len;
      std::memcpy(&len, data + pos + 1, 2);
      pos += 3;
      const auto take = static_cast<uint32_t>(std::min<size_t>(len, size - pos));
      channels[(how & 3) % n]->push(network::make_unpooled_buffer(data + pos, take, (how & 4) != 0));
      pos += take;
      if (how & 8) read();
    }
    read();
  });
  return 0;
}
