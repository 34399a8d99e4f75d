// The TCP data plane between two TaskManagers, both in this process on loopback: exact bytes and order
// per channel over many channels on one connection, credit-based backpressure, a blocked channel not
// stalling another, events passing without credit, and clear errors when a peer is gone or refuses.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../support/eventually.h"
#include "weir/common/error.h"
#include "weir/network/data_plane.h"
#include "weir/network/input_gate.h"
#include "weir/network/result_partition.h"

namespace weir::network {
namespace {

using namespace std::chrono_literals;

constexpr auto kTimeout = 20s;

using weir::testing::eventually;

//! Reassembles the frames of each channel of a gate.
struct Frames {
  std::string pending;
  std::vector<std::pair<ElementKind, std::string>> frames;
  bool ended = false;
  void add(const Buffer& b) {
    pending.append(reinterpret_cast<const char*>(b.data), b.size);
    size_t used = 0;
    for_each_frame(pending, [&](ElementKind kind, std::string_view frame, std::string_view payload) {
      frames.emplace_back(kind, std::string(payload));
      if (kind == ElementKind::kEndOfPartition) ended = true;
      used += frame.size();
    });
    pending.erase(0, used);
  }
};

//! Reads `gate` until every channel ended (or `until` holds), within kTimeout.
template <typename Until>
std::vector<Frames> read_gate(InputGate& gate, TaskWakeup& wakeup, Until until) {
  std::vector<Frames> out(gate.num_channels());
  auto deadline = std::chrono::steady_clock::now() + kTimeout;
  auto all_ended = [&] {
    for (auto& f : out)
      if (!f.ended) return false;
    return true;
  };
  while (!all_ended() && !until(out)) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("timed out reading the gate");
    auto next = gate.poll();
    if (!next.buffer) {
      wakeup.wait_until(std::chrono::steady_clock::now() + 50ms);
      continue;
    }
    out[next.channel].add(*next.buffer);
  }
  return out;
}

std::vector<Frames> read_gate(InputGate& gate, TaskWakeup& wakeup) {
  return read_gate(gate, wakeup, [](const std::vector<Frames>&) { return false; });
}

//! The record a producer writes as number `seq` of subpartition `sub`: sizes vary, some span buffers.
std::string record(int sub, int seq) {
  std::string s = std::to_string(sub) + ":" + std::to_string(seq) + ":";
  s.append(static_cast<size_t>((seq * 7919 + sub * 104729) % 3000),
           static_cast<char>('a' + (seq + sub) % 26));
  return s;
}

struct TwoTaskManagers {
  std::shared_ptr<PartitionRegistry> producer_registry = std::make_shared<PartitionRegistry>();
  std::shared_ptr<PartitionRegistry> consumer_registry = std::make_shared<PartitionRegistry>();
  std::unique_ptr<DataPlane> producer = std::make_unique<DataPlane>(producer_registry);
  std::unique_ptr<DataPlane> consumer = std::make_unique<DataPlane>(consumer_registry);
};

ChannelId channel_id(int edge, int producer, int consumer = 0) {
  return {"job-1#0", edge, producer, consumer};
}

TEST(DataPlane, ManyChannelsOnOneConnectionDeliverExactBytesInOrder) {
  TwoTaskManagers tms;
  constexpr int kChannels = 12;
  constexpr int kRecords = 600;  // per channel
  std::vector<std::shared_ptr<LocalChannel>> out, in;
  for (int c = 0; c < kChannels; ++c) {
    out.push_back(tms.producer_registry->channel(channel_id(1, 0, c)));
    in.push_back(tms.consumer->remote_input(channel_id(1, 0, c), tms.producer->address(),
                                            {.credits = 2, .segment_size = 4096}));
  }
  std::atomic<bool> canceled{false};
  std::thread producer([&] {
    ResultPartition rp(std::make_shared<BufferPool>(4096, 2 * kChannels + 4), out, &canceled);
    for (int seq = 0; seq < kRecords; ++seq)
      for (int c = 0; c < kChannels; ++c) rp.write(c, ElementKind::kRecord, record(c, seq));
    rp.finish();
  });
  TaskWakeup wakeup;
  InputGate gate(0, in, &wakeup);
  auto frames = read_gate(gate, wakeup);
  producer.join();

  for (int c = 0; c < kChannels; ++c) {
    ASSERT_EQ(frames[c].frames.size(), static_cast<size_t>(kRecords + 1)) << "channel " << c;
    for (int seq = 0; seq < kRecords; ++seq) {
      ASSERT_EQ(frames[c].frames[seq].first, ElementKind::kRecord);
      ASSERT_EQ(frames[c].frames[seq].second, record(c, seq)) << "channel " << c << " record " << seq;
    }
    EXPECT_TRUE(frames[c].pending.empty());
  }
  EXPECT_EQ(tms.producer->num_connections(), 1u);
  EXPECT_EQ(tms.consumer->num_connections(), 1u);
}

// Channels in both directions between two TaskManagers share the connection the first one opened.
TEST(DataPlane, ChannelsInBothDirectionsShareOneConnection) {
  TwoTaskManagers tms;
  auto a_to_b_out = tms.producer_registry->channel(channel_id(1, 0));
  auto a_to_b_in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address());
  // Once the producer's side knows who connected, its own subscriptions use that connection.
  ASSERT_TRUE(eventually([&] { return tms.producer->num_connections() == 1; }));
  std::atomic<bool> canceled{false};
  ResultPartition a_rp(std::make_shared<BufferPool>(1024, 4), {a_to_b_out}, &canceled);
  a_rp.write(0, ElementKind::kRecord, "from a");
  a_rp.finish();
  TaskWakeup wakeup;
  InputGate at_b(0, {a_to_b_in}, &wakeup);
  EXPECT_EQ(read_gate(at_b, wakeup)[0].frames[0].second, "from a");

  auto b_to_a_out = tms.consumer_registry->channel(channel_id(2, 0));
  auto b_to_a_in = tms.producer->remote_input(channel_id(2, 0), tms.consumer->address());
  ResultPartition b_rp(std::make_shared<BufferPool>(1024, 4), {b_to_a_out}, &canceled);
  b_rp.write(0, ElementKind::kRecord, "from b");
  b_rp.finish();
  InputGate at_a(1, {b_to_a_in}, &wakeup);
  EXPECT_EQ(read_gate(at_a, wakeup)[0].frames[0].second, "from b");
  EXPECT_EQ(tms.producer->num_connections(), 1u);
  EXPECT_EQ(tms.consumer->num_connections(), 1u);
}

// Buffers and events larger than what one socket read brings arrive whole.
TEST(DataPlane, LargeBuffersAndEventsArriveWhole) {
  TwoTaskManagers tms;
  constexpr uint32_t kSegment = 256 * 1024;
  auto out = tms.producer_registry->channel(channel_id(1, 0));
  auto in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address(),
                                       {.credits = 2, .segment_size = kSegment});
  std::atomic<bool> canceled{false};
  std::thread producer([&] {
    ResultPartition rp(std::make_shared<BufferPool>(kSegment, 4), {out}, &canceled);
    for (int i = 0; i < 20; ++i) {
      rp.write(0, ElementKind::kRecord, std::string(200'000 + i, static_cast<char>('a' + i)));
      if (i % 5 == 4) rp.broadcast_event(ElementKind::kBarrier, std::string(100'000 + i, 'b'), false);
    }
    rp.finish();
  });
  TaskWakeup wakeup;
  InputGate gate(0, {in}, &wakeup);
  auto frames = read_gate(gate, wakeup);
  producer.join();
  ASSERT_EQ(frames[0].frames.size(), 25u);
  size_t f = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(frames[0].frames[f++].second, std::string(200'000 + i, static_cast<char>('a' + i)));
    if (i % 5 == 4) {
      ASSERT_EQ(frames[0].frames[f].first, ElementKind::kBarrier);
      ASSERT_EQ(frames[0].frames[f++].second, std::string(100'000 + i, 'b'));
    }
  }
}

TEST(DataPlane, SlowConsumerHoldsOnlyItsCreditAndBlocksTheProducersPool) {
  TwoTaskManagers tms;
  constexpr uint32_t kProducerBuffers = 4;
  constexpr uint32_t kCredits = 2;
  constexpr int kRecords = 200;  // about one buffer each
  auto out = tms.producer_registry->channel(channel_id(1, 0));
  auto in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address(),
                                       {.credits = kCredits, .segment_size = 1024});
  auto pool = std::make_shared<BufferPool>(1024, kProducerBuffers);
  std::atomic<int> written{0};
  std::atomic<bool> canceled{false};
  std::thread producer([&] {
    ResultPartition rp(pool, {out}, &canceled);
    for (int seq = 0; seq < kRecords; ++seq) {
      rp.write(0, ElementKind::kRecord, std::string(1000, static_cast<char>('a' + seq % 26)));
      written.fetch_add(1);
    }
    rp.finish();
  });

  // Nobody reads: the consumer gets exactly its credit, the producer runs out of buffers and waits.
  ASSERT_TRUE(eventually([&] { return in->queued() == kCredits && pool->in_use() == kProducerBuffers; }));
  EXPECT_EQ(in->queued(), kCredits);
  EXPECT_TRUE(in->failure().empty()) << in->failure();
  // What was written fits in the consumer's credit plus the producer's pool.
  EXPECT_LE(written.load(), static_cast<int>(kCredits + kProducerBuffers + 1));
  EXPECT_LT(written.load(), kRecords);

  TaskWakeup wakeup;
  InputGate gate(0, {in}, &wakeup);
  auto frames = read_gate(gate, wakeup);
  producer.join();
  ASSERT_EQ(frames[0].frames.size(), static_cast<size_t>(kRecords + 1));
  for (int seq = 0; seq < kRecords; ++seq)
    ASSERT_EQ(frames[0].frames[seq].second, std::string(1000, static_cast<char>('a' + seq % 26)));
}

TEST(DataPlane, OneBlockedChannelDoesNotStallAnotherOnTheSameConnection) {
  TwoTaskManagers tms;
  auto blocked_out = tms.producer_registry->channel(channel_id(1, 0));
  auto flowing_out = tms.producer_registry->channel(channel_id(2, 0));
  auto blocked_in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address(),
                                               {.credits = 2, .segment_size = 1024});
  auto flowing_in = tms.consumer->remote_input(channel_id(2, 0), tms.producer->address(),
                                               {.credits = 2, .segment_size = 1024});
  std::atomic<bool> canceled{false};
  auto blocked_pool = std::make_shared<BufferPool>(1024, 3);
  std::thread blocked_producer([&] {
    ResultPartition rp(blocked_pool, {blocked_out}, &canceled);
    for (int seq = 0; seq < 100; ++seq) rp.write(0, ElementKind::kRecord, record(0, seq));
    rp.finish();
  });
  ASSERT_TRUE(eventually([&] { return blocked_in->queued() == 2 && blocked_pool->in_use() == 3; }));

  std::thread flowing_producer([&] {
    ResultPartition rp(std::make_shared<BufferPool>(1024, 3), {flowing_out}, &canceled);
    for (int seq = 0; seq < 2000; ++seq) rp.write(0, ElementKind::kRecord, record(1, seq));
    rp.finish();
  });
  TaskWakeup wakeup;
  {
    InputGate flowing(0, {flowing_in}, &wakeup);
    auto frames = read_gate(flowing, wakeup);
    ASSERT_EQ(frames[0].frames.size(), 2001u);
    for (int seq = 0; seq < 2000; ++seq) ASSERT_EQ(frames[0].frames[seq].second, record(1, seq));
  }
  flowing_producer.join();
  EXPECT_EQ(blocked_in->queued(), 2u);  // still waiting for its consumer
  EXPECT_EQ(tms.consumer->num_connections(), 1u);

  InputGate blocked(1, {blocked_in}, &wakeup);
  auto frames = read_gate(blocked, wakeup);
  blocked_producer.join();
  ASSERT_EQ(frames[0].frames.size(), 101u);
  for (int seq = 0; seq < 100; ++seq) ASSERT_EQ(frames[0].frames[seq].second, record(0, seq));
}

TEST(DataPlane, EventsAndPriorityBarriersPassWithoutCredit) {
  TwoTaskManagers tms;
  auto out = tms.producer_registry->channel(channel_id(1, 0));
  auto in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address(),
                                       {.credits = 2, .segment_size = 1024});
  std::atomic<bool> canceled{false};
  ResultPartition rp(std::make_shared<BufferPool>(1024, 4), {out}, &canceled);
  rp.write(0, ElementKind::kRecord, "first");
  rp.flush_all();
  rp.write(0, ElementKind::kRecord, "second");
  rp.flush_all();
  // Both credits are used and nobody reads; a barrier still arrives, marked priority.
  ASSERT_TRUE(eventually([&] { return in->queued() == 2; }));
  rp.broadcast_event(ElementKind::kBarrier, "barrier-7", /*priority=*/true);
  ASSERT_TRUE(eventually([&] { return in->queued() == 3; }));
  std::string payload;
  ASSERT_TRUE(in->peek_priority(&payload));
  EXPECT_EQ(payload, "barrier-7");
  rp.broadcast_event(ElementKind::kEndOfData, {}, /*priority=*/false, /*fence=*/true);
  ASSERT_TRUE(eventually([&] { return in->queued() == 4; }));

  // The consumer takes the barrier ahead of the data, copying the data it overtook.
  std::string overtaken;
  auto barrier = in->take_priority(7, overtaken);
  ASSERT_TRUE(barrier);
  EXPECT_TRUE(barrier->priority);
  Frames copied;
  copied.add(*make_unpooled_buffer(overtaken.data(), static_cast<uint32_t>(overtaken.size()), false));
  ASSERT_EQ(copied.frames.size(), 2u);
  EXPECT_EQ(copied.frames[1].second, "second");

  rp.write(0, ElementKind::kRecord, "third");
  rp.finish();
  TaskWakeup wakeup;
  InputGate gate(0, {in}, &wakeup);
  auto frames = read_gate(gate, wakeup);
  ASSERT_EQ(frames[0].frames.size(), 5u);
  EXPECT_EQ(frames[0].frames[0].second, "first");
  EXPECT_EQ(frames[0].frames[1].second, "second");
  EXPECT_EQ(frames[0].frames[2].first, ElementKind::kEndOfData);
  EXPECT_EQ(frames[0].frames[3].second, "third");
  EXPECT_EQ(frames[0].frames[4].first, ElementKind::kEndOfPartition);
}

// Unaligned checkpoints under backpressure: a barrier queued on the sender behind data that waits for
// credit still reaches the consumer at once, bringing that data along (in stream order, outside the
// credit), so the consumer can take the barrier ahead of all of it and persist it as in-flight data.
TEST(DataPlane, PriorityBarrierBringsTheDataQueuedAheadOfItWithoutCredit) {
  TwoTaskManagers tms;
  auto out = tms.producer_registry->channel(channel_id(1, 0));
  auto in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address(),
                                       {.credits = 2, .segment_size = 1024});
  std::atomic<bool> canceled{false};
  auto pool = std::make_shared<BufferPool>(1024, 6);
  ResultPartition rp(pool, {out}, &canceled);
  for (int i = 0; i < 5; ++i) {
    rp.write(0, ElementKind::kRecord, "record " + std::to_string(i));
    rp.flush_all();
  }
  // Two buffers used the credit; three wait on the sender's side.
  ASSERT_TRUE(eventually([&] { return in->queued() == 2 && pool->in_use() == 3; }));
  rp.broadcast_event(ElementKind::kBarrier, "barrier-9", /*priority=*/true);
  ASSERT_TRUE(eventually([&] { return in->queued() == 6; }));
  EXPECT_EQ(pool->in_use(), 0u);  // the producer's buffers are free again

  std::string overtaken;
  auto barrier = in->take_priority(9, overtaken);
  ASSERT_TRUE(barrier);
  EXPECT_EQ(single_frame_payload(barrier->data, barrier->size), "barrier-9");
  Frames copied;
  copied.add(*make_unpooled_buffer(overtaken.data(), static_cast<uint32_t>(overtaken.size()), false));
  ASSERT_EQ(copied.frames.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(copied.frames[i].second, "record " + std::to_string(i));

  // Afterwards the channel flows under credit again, in order.
  for (int i = 5; i < 40; ++i) rp.write(0, ElementKind::kRecord, "record " + std::to_string(i));
  rp.finish();
  TaskWakeup wakeup;
  InputGate gate(0, {in}, &wakeup);
  auto frames = read_gate(gate, wakeup);
  ASSERT_EQ(frames[0].frames.size(), 41u);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(frames[0].frames[i].second, "record " + std::to_string(i));
}

TEST(DataPlane, LostProducerFailsTheConsumersReadNamingPeerAndChannel) {
  TwoTaskManagers tms;
  const std::string producer_address = tms.producer->address();
  auto out = tms.producer_registry->channel(channel_id(3, 1, 2));
  auto in =
      tms.consumer->remote_input(channel_id(3, 1, 2), producer_address, {.credits = 2, .segment_size = 1024});
  std::atomic<bool> canceled{false};
  ResultPartition rp(std::make_shared<BufferPool>(1024, 4), {out}, &canceled);
  rp.write(0, ElementKind::kRecord, "before");
  rp.flush_all();
  TaskWakeup wakeup;
  InputGate gate(0, {in}, &wakeup);
  read_gate(gate, wakeup, [](const std::vector<Frames>& f) { return f[0].frames.size() == 1; });

  tms.producer.reset();  // the producer's TaskManager goes away
  try {
    read_gate(gate, wakeup);
    FAIL() << "reading a channel whose producer is gone did not fail";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find(producer_address), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("edge 3, subtask 1 -> subtask 2"), std::string::npos) << e.what();
  }
}

TEST(DataPlane, LostConsumerUnblocksAndFailsItsProducer) {
  TwoTaskManagers tms;
  const std::string consumer_address = tms.consumer->address();
  auto out = tms.producer_registry->channel(channel_id(1, 0));
  auto in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address(),
                                       {.credits = 2, .segment_size = 1024});
  auto pool = std::make_shared<BufferPool>(1024, 3);
  std::atomic<bool> canceled{false};
  std::string error;
  std::thread producer([&] {
    try {
      ResultPartition rp(pool, {out}, &canceled);
      for (int seq = 0; seq < 1000; ++seq) rp.write(0, ElementKind::kRecord, std::string(1000, 'x'));
      rp.finish();
    } catch (const WeirError& e) {
      error = e.what();
    }
  });
  ASSERT_TRUE(eventually([&] { return in->queued() == 2 && pool->in_use() == 3; }));  // blocked
  tms.consumer.reset();
  producer.join();  // does not hang
  EXPECT_NE(error.find(consumer_address), std::string::npos) << error;
  EXPECT_NE(error.find("is gone"), std::string::npos) << error;
}

// The consumer's TaskManager goes away while many channels stream at full speed: every producer and
// every reader stops with an error (none hangs), and nothing crashes on the way down.
TEST(DataPlane, ClosingAConnectionUnderLoadFailsEveryChannelOnIt) {
  TwoTaskManagers tms;
  constexpr int kChannels = 8;
  std::vector<std::shared_ptr<LocalChannel>> in;
  std::vector<std::thread> producers;
  std::atomic<int> producer_errors{0};
  std::atomic<bool> canceled{false};
  for (int c = 0; c < kChannels; ++c) {
    auto out = tms.producer_registry->channel(channel_id(1, c));
    in.push_back(tms.consumer->remote_input(channel_id(1, c), tms.producer->address(),
                                            {.credits = 2, .segment_size = 4096}));
    producers.emplace_back([&, out, c] {
      try {
        ResultPartition rp(std::make_shared<BufferPool>(4096, 4), {out}, &canceled);
        for (int seq = 0;; ++seq) rp.write(0, ElementKind::kRecord, record(c, seq));
      } catch (const WeirError&) {
        producer_errors.fetch_add(1);
      }
    });
  }
  TaskWakeup wakeup;
  std::string reader_error;
  {
    InputGate gate(0, in, &wakeup);
    // Read a while, then the consumer's data plane goes away under the readers' feet.
    read_gate(gate, wakeup, [](const std::vector<Frames>& f) {
      for (const auto& ch : f)
        if (ch.frames.size() < 50) return false;
      return true;
    });
    tms.consumer.reset();
    try {
      read_gate(gate, wakeup);
    } catch (const WeirError& e) {
      reader_error = e.what();
    }
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(producer_errors.load(), kChannels);
  EXPECT_NE(reader_error.find("shut down"), std::string::npos) << reader_error;
  for (auto& ch : in) EXPECT_FALSE(ch->failure().empty());
}

TEST(DataPlane, RefusedConnectionFailsTheChannelAfterTheBoundedRetry) {
  auto registry = std::make_shared<PartitionRegistry>();
  std::string dead;
  {
    DataPlane gone(std::make_shared<PartitionRegistry>());
    dead = gone.address();  // nobody listens there any more
  }
  DataPlane consumer(registry, {"127.0.0.1", 0, 300ms});
  auto in = consumer.remote_input(channel_id(1, 0), dead);
  TaskWakeup wakeup;
  InputGate gate(0, {in}, &wakeup);
  try {
    read_gate(gate, wakeup);
    FAIL() << "reading from a refused connection did not fail";
  } catch (const WeirError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cannot connect to the data plane of TaskManager " + dead + " within 300 ms"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("edge 1, subtask 0 -> subtask 0"), std::string::npos) << what;
  }
  EXPECT_EQ(consumer.num_connections(), 0u);
}

TEST(DataPlane, AMalformedProducerAddressFailsTheChannelNamingIt) {
  DataPlane consumer(std::make_shared<PartitionRegistry>());
  auto in = consumer.remote_input(channel_id(1, 0), "no-port-here");
  TaskWakeup wakeup;
  InputGate gate(0, {in}, &wakeup);
  try {
    read_gate(gate, wakeup);
    FAIL() << "reading from a malformed address did not fail";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("'no-port-here' is not a data address (HOST:PORT)"),
              std::string::npos)
        << e.what();
  }
}

TEST(DataPlane, WorksOverIpv6Loopback) {
  auto producer_registry = std::make_shared<PartitionRegistry>();
  std::unique_ptr<DataPlane> probe;
  try {
    probe = std::make_unique<DataPlane>(producer_registry, DataPlaneOptions{"::1", 0});
  } catch (const WeirError& e) {
    GTEST_SKIP() << "no IPv6 loopback on this machine: " << e.what();
  }
  DataPlane& producer = *probe;
  DataPlane consumer(std::make_shared<PartitionRegistry>(), {"::1", 0});
  EXPECT_EQ(producer.address().rfind("[::1]:", 0), 0u) << producer.address();
  auto in = consumer.remote_input(channel_id(1, 0), producer.address());
  std::atomic<bool> canceled{false};
  ResultPartition rp(std::make_shared<BufferPool>(1024, 4), {producer_registry->channel(channel_id(1, 0))},
                     &canceled);
  rp.write(0, ElementKind::kRecord, "over v6");
  rp.finish();
  TaskWakeup wakeup;
  InputGate gate(0, {in}, &wakeup);
  EXPECT_EQ(read_gate(gate, wakeup)[0].frames[0].second, "over v6");
}

TEST(DataPlane, PortInUseIsAClearError) {
  DataPlane first(std::make_shared<PartitionRegistry>());
  const int port = std::stoi(first.address().substr(first.address().rfind(':') + 1));
  try {
    DataPlane second(std::make_shared<PartitionRegistry>(), {"127.0.0.1", port});
    FAIL() << "two data planes bound one port";
  } catch (const WeirError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cannot listen on 127.0.0.1:" + std::to_string(port) + " (taskmanager.data.port)"),
              std::string::npos)
        << what;
  }
}

TEST(DataPlane, ChannelsOfThisTaskManagerComeFromTheRegistry) {
  TwoTaskManagers tms;
  auto local = tms.consumer->remote_input(channel_id(1, 0), tms.consumer->address());
  EXPECT_EQ(local, tms.consumer_registry->channel(channel_id(1, 0)));
  EXPECT_EQ(tms.consumer->num_connections(), 0u);
}

// A consumer task that ended (its channel is gone) cancels its stream at the next buffer: the producer
// stops instead of keeping buffers for it until the job is released.
TEST(DataPlane, AGoneConsumerTaskCancelsItsStream) {
  TwoTaskManagers tms;
  auto out = tms.producer_registry->channel(channel_id(1, 0));
  auto in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address(),
                                       {.credits = 2, .segment_size = 1024});
  std::atomic<bool> canceled{false};
  std::string error;
  std::thread producer([&] {
    try {
      ResultPartition rp(std::make_shared<BufferPool>(1024, 3), {out}, &canceled);
      for (int seq = 0; seq < 1000; ++seq) rp.write(0, ElementKind::kRecord, std::string(1000, 'x'));
      rp.finish();
    } catch (const WeirError& e) {
      error = e.what();
    }
  });
  ASSERT_TRUE(eventually([&] { return in->queued() == 2; }));
  in.reset();       // the consumer task ends; its receive buffers go back
  producer.join();  // does not wait forever
  EXPECT_NE(error.find("released the channel"), std::string::npos) << error;
  EXPECT_EQ(tms.consumer->num_connections(), 1u);  // the connection stays for other channels
}

TEST(DataPlane, ReleaseJobDropsItsChannelsOnBothSides) {
  TwoTaskManagers tms;
  auto out = tms.producer_registry->channel(channel_id(1, 0));
  auto in = tms.consumer->remote_input(channel_id(1, 0), tms.producer->address(),
                                       {.credits = 2, .segment_size = 1024});
  auto other_out = tms.producer_registry->channel({"job-2#0", 1, 0, 0});
  auto other_in = tms.consumer->remote_input({"job-2#0", 1, 0, 0}, tms.producer->address(),
                                             {.credits = 2, .segment_size = 1024});
  std::atomic<bool> canceled{false};
  ResultPartition rp(std::make_shared<BufferPool>(1024, 4), {other_out}, &canceled);
  ASSERT_TRUE(eventually([&] { return tms.producer->num_connections() == 1; }));
  tms.consumer->release_job("job-1");
  // The producer's side forgets the stream: a producer still writing would fail, not wait.
  ASSERT_TRUE(eventually([&] { return !out->failure().empty(); }));
  EXPECT_NE(out->failure().find("released"), std::string::npos) << out->failure();
  // The other job's channel keeps working on the same connection.
  rp.write(0, ElementKind::kRecord, "still here");
  rp.finish();
  TaskWakeup wakeup;
  InputGate gate(0, {other_in}, &wakeup);
  auto frames = read_gate(gate, wakeup);
  EXPECT_EQ(frames[0].frames[0].second, "still here");
}

}  // namespace
}  // namespace weir::network
