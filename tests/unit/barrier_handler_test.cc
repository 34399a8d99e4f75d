// The task's network input and barrier handler as units (issue 12 item 5: Task split as Flink splits
// StreamTask). A TaskInput with one gate of local channels, which the test writes frames into as the
// producers would, feeds a BarrierHandler whose checkpoint target only records what it is asked to do;
// the test reads the input one buffer at a time, in the order it wrote them, and checks which checkpoint
// is taken when, which channels are held back, and what an unaligned checkpoint persists.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/cluster/taskmanager/barrier_handler.h"
#include "weir/cluster/taskmanager/task_input.h"
#include "weir/common/data_io.h"
#include "weir/network/element_kind.h"
#include "weir/network/local_channel.h"

namespace weir::cluster {
namespace {

using network::ElementKind;

std::string frame(ElementKind kind, const std::string& payload) {
  const auto len = static_cast<uint32_t>(payload.size() + 1);
  std::string out(4, '\0');
  std::memcpy(out.data(), &len, 4);
  return out + static_cast<char>(kind) + payload;
}

std::string barrier(int64_t id, bool savepoint = false) {
  CheckpointBarrier b;
  b.id = id;
  b.savepoint = savepoint;
  return frame(ElementKind::kBarrier, encode_barrier(b));
}

std::string record(int64_t value) {
  DataOutput out;
  out.write_fixed<int64_t>(value);
  return frame(ElementKind::kRecord, out.str());
}

std::string end_of_partition() {
  return frame(ElementKind::kEndOfPartition, "");
}

//! What the handler asked of the task.
struct Recorded : CheckpointTarget {
  struct Taken {
    int64_t id;
    bool forwarded_unaligned;
  };
  std::vector<Taken> snapshots;
  std::vector<std::pair<int64_t, CheckpointAck>> written;
  std::vector<std::shared_ptr<checkpoint::TaskSnapshot>> written_snapshots;
  std::vector<int64_t> declined;

  std::shared_ptr<checkpoint::TaskSnapshot> snapshot_and_forward(const CheckpointBarrier& b,
                                                                 bool unaligned) override {
    snapshots.push_back({b.id, unaligned});
    auto s = std::make_shared<checkpoint::TaskSnapshot>();
    s->operators.emplace_back();
    return s;
  }
  void write_snapshot(std::shared_ptr<checkpoint::TaskSnapshot> s, const CheckpointBarrier& b,
                      CheckpointAck stats) override {
    written.emplace_back(b.id, stats);
    written_snapshots.push_back(std::move(s));
  }
  void decline_checkpoint(int64_t id, const std::string&) override { declined.push_back(id); }
};

//! Records the values of the records it is given, in order.
struct Values : runtime::RecordDispatcher {
  std::vector<int64_t>* seen;
  explicit Values(std::vector<int64_t>* s) : seen(s) {}
  void dispatch(DataInput& in) override { seen->push_back(in.read_fixed<int64_t>()); }
};

struct NoWait : TaskInputHost {
  void between_records() override {}
};

class Input {
 public:
  Input(int channels, BarrierHandler::Options options) {
    handler_.configure("map (1/1)", options);
    // No head operator: the tests send no watermark that advances the input's (the valve then stays quiet).
    input_.configure("map (1/1)", nullptr, 1, options.unaligned, 1 << 20);
    for (int c = 0; c < channels; ++c) channels_.push_back(std::make_shared<network::LocalChannel>());
    input_.add_gate(nullptr, 0, channels_, std::make_unique<Values>(&records), &wakeup_,
                    handler_.priority_flag());
    input_.finish_setup();
  }
  //! Writes `bytes` to channel `c` as one buffer, then reads everything the input can read.
  void send(int c, const std::string& bytes, bool priority = false) {
    channels_[c]->push(
        network::make_unpooled_buffer(bytes.data(), static_cast<uint32_t>(bytes.size()), priority));
    read();
  }
  //! Writes without reading.
  void queue(int c, const std::string& bytes, bool priority = false) {
    channels_[c]->push(
        network::make_unpooled_buffer(bytes.data(), static_cast<uint32_t>(bytes.size()), priority));
  }
  void read() {
    size_t next = 0;
    while (input_.process_next(next)) {
    }
  }
  TaskInput& input() { return input_; }
  BarrierHandler& handler() { return handler_; }
  Recorded target;
  std::vector<int64_t> records;

 private:
  NoWait host_;
  network::TaskWakeup wakeup_;
  BarrierHandler handler_{input_, target};
  TaskInput input_{host_, handler_};
  std::vector<std::shared_ptr<network::LocalChannel>> channels_;
};

std::vector<int64_t> ids(const Recorded& r) {
  std::vector<int64_t> out;
  for (const auto& t : r.snapshots) out.push_back(t.id);
  return out;
}

TEST(BarrierHandler, ExactlyOnceHoldsAChannelBackUntilEveryChannelsBarrierCame) {
  Input in(3, {});
  in.send(0, barrier(1) + record(10));  // what follows the barrier waits, even in the same buffer
  in.send(0, record(11));
  EXPECT_TRUE(in.input().channel(0).blocked);
  EXPECT_TRUE(in.records.empty());
  in.send(1, record(20) + barrier(1));
  EXPECT_EQ(in.records, (std::vector<int64_t>{20}));
  EXPECT_TRUE(in.target.snapshots.empty());
  // The last channel ends instead of sending its barrier: it holds nothing up.
  in.send(2, end_of_partition());
  ASSERT_EQ(ids(in.target), (std::vector<int64_t>{1}));
  EXPECT_FALSE(in.target.snapshots[0].forwarded_unaligned);
  ASSERT_EQ(in.target.written.size(), 1u);
  EXPECT_FALSE(in.target.written[0].second.unaligned);
  // Taken before the held-back records were read, which then are.
  EXPECT_EQ(in.records, (std::vector<int64_t>{20, 10, 11}));
  EXPECT_FALSE(in.input().channel(0).blocked);
  EXPECT_FALSE(in.input().channel(1).blocked);
  EXPECT_EQ(in.handler().last_checkpoint(), 1);
  EXPECT_EQ(in.handler().aligning(), -1);
}

TEST(BarrierHandler, AtLeastOnceHoldsNothingBack) {
  BarrierHandler::Options o;
  o.exactly_once = false;
  Input in(2, o);
  in.send(0, barrier(1) + record(10));
  EXPECT_FALSE(in.input().channel(0).blocked);
  EXPECT_EQ(in.records, (std::vector<int64_t>{10}));
  EXPECT_TRUE(in.target.snapshots.empty());
  in.send(1, barrier(1));
  EXPECT_EQ(ids(in.target), (std::vector<int64_t>{1}));
}

TEST(BarrierHandler, ANewerCheckpointsBarrierGivesUpTheOneBeingAligned) {
  Input in(2, {});
  in.send(0, barrier(1) + record(10));
  EXPECT_TRUE(in.input().channel(0).blocked);
  // Channel 1's producer gave checkpoint 1 up: its next barrier is checkpoint 2's.
  in.send(1, barrier(2) + record(20));
  EXPECT_EQ(in.handler().aligning(), 2);
  EXPECT_FALSE(in.input().channel(0).blocked);  // released: it owes checkpoint 2's barrier now
  EXPECT_TRUE(in.input().channel(1).blocked);
  EXPECT_EQ(in.records, (std::vector<int64_t>{10}));
  in.send(0, barrier(2));
  EXPECT_EQ(ids(in.target), (std::vector<int64_t>{2}));  // checkpoint 1 never taken
  EXPECT_EQ(in.records, (std::vector<int64_t>{10, 20}));
}

// A barrier of a checkpoint older than the one being aligned is not that checkpoint's: counted as one, it
// made the snapshot of checkpoint 2 come before the records channel 1 sent ahead of its own barrier 2,
// which a restore from checkpoint 2 would then never see again (Flink ignores such barriers too).
TEST(BarrierHandler, ABarrierOfAnOlderCheckpointDoesNotCountForTheNewerOne) {
  BarrierHandler::Options o;
  o.exactly_once = false;  // nothing held back: the producers may drift a whole checkpoint apart
  Input in(2, o);
  in.send(0, barrier(1));
  in.send(0, barrier(2));  // channel 0 is ahead: checkpoint 1 is given up for 2
  in.send(1, barrier(1) + record(20));
  EXPECT_TRUE(in.target.snapshots.empty())
      << "checkpoint " << in.target.snapshots[0].id << " taken before channel 1's barrier 2";
  in.send(1, barrier(2));
  EXPECT_EQ(ids(in.target), (std::vector<int64_t>{2}));
  EXPECT_EQ(in.records, (std::vector<int64_t>{20}));
}

TEST(BarrierHandler, AnOlderBarrierNeitherHoldsAChannelBackNorCountsExactlyOnce) {
  Input in(3, {});
  in.send(0, barrier(1));
  in.send(1, barrier(2));  // channel 1's producer gave checkpoint 1 up
  in.send(2, barrier(1) + record(30));
  EXPECT_FALSE(in.input().channel(2).blocked);
  EXPECT_EQ(in.records, (std::vector<int64_t>{30}));
  in.send(0, barrier(2));
  EXPECT_TRUE(in.target.snapshots.empty());
  in.send(2, barrier(2));
  EXPECT_EQ(ids(in.target), (std::vector<int64_t>{2}));
}

TEST(BarrierHandler, ASourceTakesATriggeredCheckpointOnceAndNeverAnOlderOne) {
  Input in(0, {});
  CheckpointBarrier b;
  b.id = 3;
  in.handler().trigger(b);
  in.handler().trigger(b);
  b.id = 2;
  in.handler().trigger(b);
  EXPECT_EQ(ids(in.target), (std::vector<int64_t>{3}));
  EXPECT_EQ(in.target.written.size(), 1u);
}

TEST(BarrierHandler, UnalignedTakesTheBarrierAheadOfQueuedDataAndPersistsWhatItOvertook) {
  BarrierHandler::Options o;
  o.unaligned = true;
  Input in(2, o);
  // Channel 0: two records queued, then the barrier as a priority buffer; nothing read yet.
  in.queue(0, record(1) + record(2));
  in.queue(0, barrier(5), /*priority=*/true);
  in.read();
  ASSERT_EQ(ids(in.target), (std::vector<int64_t>{5}));  // snapshot at once, ahead of the records
  EXPECT_TRUE(in.target.snapshots[0].forwarded_unaligned);
  EXPECT_EQ(in.records, (std::vector<int64_t>{1, 2}));  // read after the snapshot, not held back
  EXPECT_TRUE(in.target.written.empty());               // channel 1's barrier has not come
  // Channel 1 sends a record before its barrier: in flight for checkpoint 5 as well.
  in.send(1, record(3));
  in.send(1, barrier(5));
  ASSERT_EQ(in.target.written.size(), 1u);
  const CheckpointAck& ack = in.target.written[0].second;
  EXPECT_TRUE(ack.unaligned);
  const auto& persisted = in.target.written_snapshots[0]->operators.front().in_flight;
  ASSERT_EQ(persisted.size(), 2u);
  EXPECT_EQ(persisted[0].channel, 0);
  EXPECT_EQ(persisted[0].bytes, record(1) + record(2));
  EXPECT_EQ(persisted[1].channel, 1);
  EXPECT_EQ(persisted[1].bytes, record(3));
  EXPECT_EQ(ack.in_flight_bytes, persisted[0].bytes.size() + persisted[1].bytes.size());
}

TEST(BarrierHandler, UnalignedKeepsASavepointAligned) {
  BarrierHandler::Options o;
  o.unaligned = true;
  Input in(2, o);
  in.send(0, barrier(7, /*savepoint=*/true) + record(1));
  EXPECT_TRUE(in.input().channel(0).blocked);
  in.send(1, barrier(7, /*savepoint=*/true));
  ASSERT_EQ(ids(in.target), (std::vector<int64_t>{7}));
  EXPECT_FALSE(in.target.snapshots[0].forwarded_unaligned);
  EXPECT_FALSE(in.target.written[0].second.unaligned);
  EXPECT_EQ(in.records, (std::vector<int64_t>{1}));
}

}  // namespace
}  // namespace weir::cluster
