// The data plane's protocol against a hostile or broken peer on a real loopback connection (a raw socket
// speaking data_wire_format.h, not a DataPlane): message lengths of 0 or beyond a type's bound, unknown
// types, credit for unknown streams and credit beyond the announced receive buffers, subscriptions to
// channels that do not exist yet, a peer gone in the middle of a message, and bytes sent after the close.
// Each refusal closes that connection only (its channels fail with the reason, the warning names the peer
// and what it sent), happens before the body of a refused message is read (so nothing is allocated for it),
// and the data plane goes on serving every other connection, which each test proves by moving data on a
// healthy channel afterwards.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../support/eventually.h"
#include "../support/log_capture.h"
#include "../support/raw_data_peer.h"
#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/network/data_plane.h"
#include "weir/network/data_wire_format.h"
#include "weir/network/partition_registry.h"

namespace weir::network {
namespace {

using namespace std::chrono_literals;
using wire::MessageType;
using Clock = std::chrono::steady_clock;

constexpr auto kTimeout = 10s;

// ---- what the data plane logs ----

using weir::testing::CaptureSink;

//! The "network" logger's lines from now on (installed before any data plane of the test starts).
std::shared_ptr<CaptureSink> capture_network_log() {
  return weir::testing::capture_log("network");
}

bool logged(CaptureSink& sink, const std::vector<std::string>& parts) {
  return sink.logged(parts);
}

// Polling only for state nothing notifies (a channel the data plane consumes, its connection count).
using weir::testing::eventually;

// ---- a raw peer (tests/support/raw_data_peer.h) ----

using weir::testing::header_bytes;
using weir::testing::Message;
using weir::testing::message;
using weir::testing::RawListener;
using weir::testing::RawProducer;
using weir::testing::RawSocket;
using weir::testing::u32;

// ---- a consumer's channel, read with notifications ----

//! Stands in for a task's InputGate on a remote input channel: told when the channel has data or failed.
class Reader final : public ChannelListener {
 public:
  explicit Reader(std::shared_ptr<LocalChannel> channel) : channel_(std::move(channel)) {
    channel_->attach_consumer(this, 0);
  }
  ~Reader() override { channel_->detach_consumer(); }
  void notify_available(int) override {
    std::lock_guard lock(mu_);
    signaled_ = true;
    cv_.notify_all();
  }
  void notify_priority() override { notify_available(0); }

  //! The next buffer's bytes; throws the channel's WeirError when it failed, runtime_error at the deadline.
  std::string next() {
    const auto deadline = Clock::now() + kTimeout;
    for (;;) {
      bool more = false;
      if (BufferPtr b = channel_->pop(more))
        return std::string(reinterpret_cast<const char*>(b->data), b->size);
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [&] { return signaled_; }))
        throw std::runtime_error("timed out waiting for the channel");
      signaled_ = false;
    }
  }
  //! Waits until the channel failed, without taking its buffers (a taken one would go back to its pool
  //! and be credit again); returns why.
  std::string wait_failed() {
    const auto deadline = Clock::now() + kTimeout;
    for (;;) {
      if (std::string f = channel_->failure(); !f.empty()) return f;
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [&] { return signaled_; })) return "(the channel did not fail)";
      signaled_ = false;
    }
  }

 private:
  std::shared_ptr<LocalChannel> channel_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool signaled_ = false;
};

// ---- fixtures ----

ChannelId cid(int edge, int producer = 0, int consumer = 0, const std::string& job = "job-1#0") {
  return {job, edge, producer, consumer};
}

//! Pushes `bytes` into `channel` as one pooled buffer of `pool`.
void produce(LocalChannel& channel, BufferPool& pool, const std::string& bytes) {
  BufferPtr b = pool.try_request();
  ASSERT_TRUE(b) << "the test's producer pool is exhausted";
  std::memcpy(b->data, bytes.data(), bytes.size());
  b->size = static_cast<uint32_t>(bytes.size());
  channel.push(std::move(b));
}

//! A data plane under attack (`plane`, registry `registry`) and a healthy peer data plane (`peer`) with one
//! channel from `plane` that must keep working whatever happens to other connections.
struct Cluster {
  std::shared_ptr<CaptureSink> log = capture_network_log();
  std::shared_ptr<PartitionRegistry> registry = std::make_shared<PartitionRegistry>();
  std::unique_ptr<DataPlane> plane;
  std::unique_ptr<DataPlane> peer = std::make_unique<DataPlane>(std::make_shared<PartitionRegistry>());
  std::shared_ptr<BufferPool> pool = std::make_shared<BufferPool>(1024, 8);
  std::shared_ptr<LocalChannel> healthy_out = registry->channel(cid(100));
  std::unique_ptr<Reader> healthy_in = std::make_unique<Reader>(
      peer->remote_input(cid(100), plane->address(), {.credits = 2, .segment_size = 1024}));
  int sent = 0;

  explicit Cluster(DataPlaneOptions options = {}) : plane(std::make_unique<DataPlane>(registry, options)) {
    healthy_out->hold_pool(pool);
    expect_healthy();
  }
  //! The healthy channel still carries data, in order.
  void expect_healthy() {
    const std::string bytes = "healthy " + std::to_string(sent++);
    produce(*healthy_out, *pool, bytes);
    EXPECT_EQ(healthy_in->next(), bytes);
  }
  //! A hostile peer connected to `plane`: its hello sent, and a subscription to channel `id` on stream 1
  //! with `credit` (the channel is the registry's, as a producer task would write it).
  std::unique_ptr<RawSocket> hostile(const ChannelId& id, uint32_t credit = 2) {
    auto s = RawSocket::connect_to(plane->address());
    EXPECT_TRUE(s->send(message(MessageType::kHello, 0, "127.0.0.1:1") +
                        message(MessageType::kSubscribe, 1, wire::encode_subscribe(id, credit))));
    return s;
  }
};

// ---- the serving side: a hostile consumer ----

// Every message a header alone shows to be wrong closes the connection at once, before its body: the peer
// sends the header only (with a body of up to 64 MiB announced) and still sees the close. The channel it
// subscribed fails naming the problem (its producer task would stop), the warning names the peer, and the
// healthy channel goes on.
TEST(DataPlaneProtocol, AMessageItsHeaderShowsWrongClosesOnlyThatConnectionBeforeItsBody) {
  Cluster c;
  struct Case {
    std::string what;
    std::string bytes;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"an empty pooled buffer", header_bytes(0, 1, 3, wire::kPooled), "a buffer of 0 bytes"},
      {"an empty event", header_bytes(0, 1, 3), "a buffer of 0 bytes"},
      {"a buffer beyond the maximum", header_bytes(wire::kMaxBody + 1, 1, 3), "a buffer of 67108865 bytes"},
      {"a buffer of 4 GiB", header_bytes(0xffffffffu, 1, 3, wire::kPooled), "a buffer of 4294967295 bytes"},
      {"message type 0", header_bytes(16, 1, 0), "unknown message type 0 (16 bytes)"},
      {"message type 9", header_bytes(wire::kMaxBody, 1, 9), "unknown message type 9 (67108864 bytes)"},
      {"message type 255", header_bytes(0, 1, 255), "unknown message type 255"},
      {"a second hello of 64 MiB", header_bytes(wire::kMaxBody, 0, 1), "a hello of 67108864 bytes"},
      {"an empty hello", header_bytes(0, 0, 1), "a hello of 0 bytes"},
      {"an empty credit", header_bytes(0, 1, 4), "a credit of 0 bytes (it has 4)"},
      {"a credit of 8 bytes", header_bytes(8, 1, 4) + u32(1) + u32(1), "a credit of 8 bytes (it has 4)"},
      {"a cancel with a body", header_bytes(4, 1, 5) + u32(0), "a cancel of 4 bytes (it has 0)"},
      {"an empty subscription", header_bytes(0, 2, 2), "a subscription of 0 bytes"},
      {"a subscription naming no job", header_bytes(16, 2, 2) + std::string(16, '\0'),
       "a subscription of 16 bytes"},
      {"a subscription of 1 MiB", header_bytes(1 << 20, 2, 2), "a subscription of 1048576 bytes"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& k = cases[i];
    SCOPED_TRACE(k.what);
    auto out = c.registry->channel(cid(static_cast<int>(i)));
    auto s = c.hostile(cid(static_cast<int>(i)));
    ASSERT_TRUE(s->send(k.bytes));
    EXPECT_TRUE(s->closed_by_peer(Clock::now() + kTimeout)) << "the connection stayed open";
    ASSERT_TRUE(eventually([&] { return !out->failure().empty(); }));
    EXPECT_NE(out->failure().find("protocol error: " + k.error), std::string::npos) << out->failure();
    EXPECT_NE(out->failure().find("TaskManager 127.0.0.1:1"), std::string::npos) << out->failure();
    EXPECT_TRUE(logged(*c.log, {"TaskManager 127.0.0.1:1", "protocol error: " + k.error}));
    // Bytes after the close go nowhere (the peer may not even be able to send them).
    s->send(std::string(1 << 16, 'x'));
    c.expect_healthy();
  }
  EXPECT_TRUE(eventually([&] { return c.plane->num_connections() == 1; }));
}

// A consumer's credit is its recycled receive buffers: more than it announced in its subscription cannot be
// (an overflowing u32 included) and is refused; credit within it lets the buffers through.
TEST(DataPlaneProtocol, CreditBeyondTheAnnouncedReceiveBuffersIsRefused) {
  Cluster c;
  auto out = c.registry->channel(cid(1));
  out->hold_pool(c.pool);
  auto s = c.hostile(cid(1), /*credit=*/2);
  const auto deadline = Clock::now() + kTimeout;
  for (int i = 0; i < 3; ++i) produce(*out, *c.pool, "data " + std::to_string(i));
  for (int i = 0; i < 2; ++i) {  // two credits: two buffers, the third waits
    auto m = s->read_message(deadline);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->header.type, MessageType::kBuffer);
    EXPECT_EQ(m->header.stream, 1u);
    EXPECT_EQ(m->header.flags & wire::kPooled, wire::kPooled);
    EXPECT_EQ(m->body, "data " + std::to_string(i));
  }
  ASSERT_TRUE(s->send(message(MessageType::kCredit, 1, u32(1))));  // one buffer recycled: the third comes
  auto third = s->read_message(deadline);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body, "data 2");
  ASSERT_TRUE(s->send(message(MessageType::kCredit, 1, u32(2))));  // back to 2 of 2: fine
  ASSERT_TRUE(s->send(message(MessageType::kCredit, 1, u32(0))));  // nothing: fine
  ASSERT_TRUE(s->send(message(MessageType::kCredit, 1, u32(0xffffffffu))));
  EXPECT_TRUE(s->closed_by_peer(deadline));
  ASSERT_TRUE(eventually([&] { return !out->failure().empty(); }));
  EXPECT_NE(out->failure().find("protocol error: a credit of 4294967295 on stream 1 makes 4294967297, more "
                                "than the 2 receive buffers announced for job job-1#0, edge 1"),
            std::string::npos)
      << out->failure();
  EXPECT_TRUE(logged(*c.log, {"TaskManager 127.0.0.1:1", "a credit of 4294967295"}));

  // One more than announced, right after subscribing.
  auto out2 = c.registry->channel(cid(2));
  auto s2 = c.hostile(cid(2), /*credit=*/3);
  ASSERT_TRUE(s2->send(message(MessageType::kCredit, 1, u32(1))));
  EXPECT_TRUE(s2->closed_by_peer(Clock::now() + kTimeout));
  ASSERT_TRUE(eventually([&] { return !out2->failure().empty(); }));
  EXPECT_NE(out2->failure().find("makes 4, more than the 3 receive buffers"), std::string::npos)
      << out2->failure();
  c.expect_healthy();
}

// Credit and cancels for streams the serving side does not know (they crossed a cancel or a release) are
// ignored, a subscription to a channel no producer has written yet waits for it (tasks start in any order),
// and a cancelled stream's late credit changes nothing: the connection keeps serving.
TEST(DataPlaneProtocol, UnknownStreamsAndChannelsNotProducedYetAreNotErrors) {
  Cluster c;
  auto s = RawSocket::connect_to(c.plane->address());
  ASSERT_TRUE(s->send(message(MessageType::kHello, 0, "127.0.0.1:2")));
  ASSERT_TRUE(s->send(message(MessageType::kCredit, 77, u32(5)) + message(MessageType::kCancel, 78, "")));
  // Edge 5 of job-2 has no channel here yet, nor negative indices: nothing refuses them.
  ASSERT_TRUE(
      s->send(message(MessageType::kSubscribe, 1, wire::encode_subscribe(cid(5, 0, 0, "job-2#0"), 2))));
  ASSERT_TRUE(s->send(message(MessageType::kSubscribe, 2, wire::encode_subscribe(cid(-1, -2, -3), 2))));
  ASSERT_TRUE(eventually([&] { return c.registry->num_channels("job-2#0") == 1; }));
  auto out = c.registry->channel(cid(5, 0, 0, "job-2#0"));  // the producer task comes later
  out->hold_pool(c.pool);
  produce(*out, *c.pool, "late producer");
  const auto deadline = Clock::now() + kTimeout;
  auto m = s->read_message(deadline);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.stream, 1u);
  EXPECT_EQ(m->body, "late producer");
  // The consumer cancels the stream: its producer's next write fails instead of waiting.
  ASSERT_TRUE(s->send(message(MessageType::kCancel, 1, "")));
  ASSERT_TRUE(eventually([&] { return !out->failure().empty(); }));
  EXPECT_NE(out->failure().find("released the channel"), std::string::npos) << out->failure();
  // Its late credit, and a second cancel, arrive after the stream is gone: ignored.
  ASSERT_TRUE(s->send(message(MessageType::kCredit, 1, u32(1)) + message(MessageType::kCancel, 1, "")));
  auto out3 = c.registry->channel(cid(6));
  out3->hold_pool(c.pool);
  ASSERT_TRUE(s->send(message(MessageType::kSubscribe, 3, wire::encode_subscribe(cid(6), 1))));
  produce(*out3, *c.pool, "after all that");
  auto m3 = s->read_message(deadline);
  ASSERT_TRUE(m3);
  EXPECT_EQ(m3->header.stream, 3u);
  EXPECT_EQ(m3->body, "after all that");
  EXPECT_EQ(c.plane->num_connections(), 2u);
  c.expect_healthy();
}

// A subscription of an attempt whose channels were released here (its tasks failed or were canceled) is
// refused with a rejection naming the attempt: the consumer's channel fails at once instead of waiting for a
// producer that is gone, the released channels are not created again, and the connection serves on.
TEST(DataPlaneProtocol, ASubscriptionOfAReleasedAttemptIsRefusedNamingIt) {
  Cluster c;
  const ChannelId old_id = cid(1, 0, 0, "job-9#3");
  auto out = c.registry->channel(old_id);
  c.registry->release_job("job-9#3");
  Reader in(c.peer->remote_input(old_id, c.plane->address(), {.credits = 2, .segment_size = 1024}));
  const std::string error = in.wait_failed();
  EXPECT_NE(error.find("TaskManager " + c.plane->address() +
                       " refused the subscription to job job-9#3, edge 1, subtask 0 -> subtask 0: attempt "
                       "job-9#3 ended at TaskManager " +
                       c.plane->address() + " and its channels were released"),
            std::string::npos)
      << error;
  EXPECT_EQ(c.registry->num_channels("job-9#3"), 0u);
  c.expect_healthy();

  // A raw peer sees the rejection on its stream; the next attempt's subscription on the same connection
  // works.
  auto s = c.hostile(old_id);
  const auto deadline = Clock::now() + kTimeout;
  auto m = s->read_message(deadline);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.type, MessageType::kReject);
  EXPECT_EQ(m->header.stream, 1u);
  EXPECT_NE(m->body.find("attempt job-9#3 ended"), std::string::npos) << m->body;
  const ChannelId new_id = cid(1, 0, 0, "job-9#4");
  ASSERT_TRUE(s->send(message(MessageType::kSubscribe, 2, wire::encode_subscribe(new_id, 1))));
  auto new_out = c.registry->channel(new_id);
  new_out->hold_pool(c.pool);
  produce(*new_out, *c.pool, "attempt 4");
  auto data = s->read_message(deadline);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->header.stream, 2u);
  EXPECT_EQ(data->body, "attempt 4");
  EXPECT_EQ(c.registry->num_channels("job-9#3"), 0u);
}

// A consumer gone in the middle of a message (its header, or its body): the connection closes, its channels
// fail naming the torn message, and nothing else is disturbed.
TEST(DataPlaneProtocol, AConsumerGoneMidMessageFailsOnlyItsChannels) {
  Cluster c;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"half a header", header_bytes(4, 1, 4).substr(0, 5)},
      {"half a body", header_bytes(200, 2, 2) + std::string(100, 'x')},
      {"a large body cut short", header_bytes(1 << 20, 1, 3) + std::string(70000, 'x')},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].first);
    auto out = c.registry->channel(cid(static_cast<int>(i)));
    {
      auto s = c.hostile(cid(static_cast<int>(i)));
      ASSERT_TRUE(s->send(cases[i].second));
    }  // closed here
    ASSERT_TRUE(eventually([&] { return !out->failure().empty(); }));
    EXPECT_NE(out->failure().find("the peer closed the connection in the middle of a message"),
              std::string::npos)
        << out->failure();
    c.expect_healthy();
  }
  EXPECT_TRUE(eventually([&] { return c.plane->num_connections() == 1; }));
}

// ---- the subscribing side: a hostile producer ----

//! A consumer data plane subscribed to channel `id` of a raw producer: the producer side's socket, after
//! the hello and the subscription, and the stream the consumer chose.

TEST(DataPlaneProtocol, AProducerBreakingTheProtocolFailsTheConsumersChannelNamingIt) {
  Cluster c;
  struct Case {
    std::string what;
    std::function<std::string(uint32_t stream)> bytes;
    std::string error;  // empty: the one below
  };
  const std::vector<Case> cases = {
      {"more buffers than credit",
       [](uint32_t st) {
         std::string b;
         for (int i = 0; i < 3; ++i) b += message(MessageType::kBuffer, st, "x", wire::kPooled);
         return b;
       },
       ""},
      {"a buffer larger than the receive buffers",
       [](uint32_t st) { return message(MessageType::kBuffer, st, std::string(1025, 'x'), wire::kPooled); },
       "a buffer of 1025 bytes from TaskManager"},
      {"an empty buffer", [](uint32_t st) { return header_bytes(0, st, 3, wire::kPooled); },
       "protocol error: a buffer of 0 bytes (it has 1 to"},
      {"an unknown message type", [](uint32_t st) { return header_bytes(3, st, 42) + "abc"; },
       "protocol error: unknown message type 42"},
      {"a connection closed mid-buffer",
       [](uint32_t st) { return header_bytes(1000, st, 3, wire::kPooled) + std::string(10, 'x'); },
       "the peer closed the connection in the middle of a message"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& k = cases[i];
    SCOPED_TRACE(k.what);
    RawProducer p;
    const ChannelId id = cid(static_cast<int>(i), 1, 2, "job-3#4");
    Reader in(c.peer->remote_input(id, p.listener.address(), {.credits = 2, .segment_size = 1024}));
    p.accept_subscription(id);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    EXPECT_EQ(p.credit, 2u);
    ASSERT_TRUE(p.socket->send(k.bytes(p.stream)));
    if (k.what == "a connection closed mid-buffer") p.socket.reset();
    const std::string error = in.wait_failed();
    EXPECT_NE(error.find("lost the data connection to TaskManager " + p.listener.address() +
                         " reading job job-3#4, edge " + std::to_string(i) + ", subtask 1 -> subtask 2"),
              std::string::npos)
        << error;
    const std::string want = k.error.empty() ? "protocol error: TaskManager " + p.listener.address() +
                                                   " sent a buffer without credit"
                                             : k.error;
    EXPECT_NE(error.find(want), std::string::npos) << error;
    if (p.socket) {
      EXPECT_TRUE(p.socket->closed_by_peer(Clock::now() + kTimeout));
    }
    c.expect_healthy();
  }
}

// Events travel without credit (the receiver allocates them): what the consumer has not taken yet is bounded
// (RemoteInputOptions::max_unread_event_bytes), so a producer sending events without end cannot make the
// receiving TaskManager queue them without bound. Within the bound events queue; the consumer taking one
// makes room; one more beyond it is a protocol error that closes that connection only, logged naming the
// peer.
TEST(DataPlaneProtocol, EventsTheConsumerHasNotReadAreBounded) {
  Cluster c;
  RawProducer p;
  const ChannelId id = cid(1, 1, 2, "job-5#0");
  auto in = c.peer->remote_input(id, p.listener.address(),
                                 {.credits = 2, .segment_size = 1024, .max_unread_event_bytes = 4000});
  p.accept_subscription(id);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::string event = message(MessageType::kBuffer, p.stream, std::string(1000, 'e'));  // unpooled
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p.socket->send(event));
  ASSERT_TRUE(eventually([&] { return in->queued() == 4; }));
  EXPECT_EQ(in->queued_unpooled_bytes(), 4000u);
  bool more = false;
  BufferPtr taken = in->pop(more);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->size, 1000u);
  EXPECT_EQ(in->queued_unpooled_bytes(), 3000u);
  taken.reset();
  ASSERT_TRUE(p.socket->send(event));  // fits again
  ASSERT_TRUE(eventually([&] { return in->queued() == 4; }));
  EXPECT_TRUE(in->failure().empty()) << in->failure();
  c.expect_healthy();

  ASSERT_TRUE(p.socket->send(event));  // 5000 bytes unread: refused
  ASSERT_TRUE(eventually([&] { return !in->failure().empty(); }));
  const std::string want =
      "protocol error: an event of 1000 bytes on stream " + std::to_string(p.stream) +
      " while 4000 bytes sent without credit are unread, more than the 4000 bytes allowed "
      "for job job-5#0, edge 1, subtask 1 -> subtask 2";
  EXPECT_NE(in->failure().find(want), std::string::npos) << in->failure();
  EXPECT_EQ(in->queued(), 0u);  // a failed channel drops what it held
  EXPECT_TRUE(p.socket->closed_by_peer(Clock::now() + kTimeout));
  EXPECT_TRUE(
      logged(*c.log, {"TaskManager " + p.listener.address(), "protocol error: an event of 1000 bytes"}));
  c.expect_healthy();
}

// A subscription creates the channel when no producer task has asked for it yet (tasks start in any order).
// If the subscription ends (cancelled, or its connection lost) before a task of this TaskManager claimed the
// channel, the channel goes: subscriptions to attempts never deployed here, or to made-up channels, leave
// nothing behind until their job ends. A channel a producer task claimed stays until its attempt is released.
TEST(DataPlaneProtocol, ChannelsOnlyASubscriptionCreatedGoWhenItEnds) {
  Cluster c;
  auto s = c.hostile(cid(1, 0, 0, "job-7#0"));
  ASSERT_TRUE(
      s->send(message(MessageType::kSubscribe, 2, wire::encode_subscribe(cid(2, 0, 0, "job-7#0"), 2))));
  ASSERT_TRUE(eventually([&] { return c.registry->num_channels("job-7#0") == 2; }));
  auto claimed = c.registry->channel(cid(2, 0, 0, "job-7#0"));  // its producer task starts here
  ASSERT_TRUE(s->send(message(MessageType::kCancel, 1, "") + message(MessageType::kCancel, 2, "")));
  ASSERT_TRUE(eventually([&] { return c.registry->num_channels("job-7#0") == 1; }));
  EXPECT_NE(claimed->failure().find("released the channel"), std::string::npos) << claimed->failure();

  // A connection lost: the channels only its subscriptions created go with it.
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(s->send(
        message(MessageType::kSubscribe, 10 + i, wire::encode_subscribe(cid(i, 1, 2, "job-never#0"), 2))));
  ASSERT_TRUE(eventually([&] { return c.registry->num_channels("job-never#0") == 100; }));
  s.reset();
  ASSERT_TRUE(eventually([&] { return c.registry->num_channels("job-never#0") == 0; }));
  EXPECT_EQ(c.registry->num_channels("job-7#0"), 1u);
  c.expect_healthy();
}

// The streams one connection may subscribe to are bounded (DataPlaneOptions::max_streams_per_connection):
// one more closes the connection as a protocol error naming the bound, and the channels only its
// subscriptions created go with it. Re-subscribing a stream number it uses already is not a new stream.
TEST(DataPlaneProtocol, SubscriptionsBeyondTheStreamBoundCloseTheConnection) {
  Cluster c({.max_streams_per_connection = 4});
  auto s = c.hostile(cid(0, 0, 0, "job-9#0"));  // stream 1
  for (uint32_t stream = 2; stream <= 4; ++stream)
    ASSERT_TRUE(s->send(message(MessageType::kSubscribe, stream,
                                wire::encode_subscribe(cid(static_cast<int>(stream), 0, 0, "job-9#0"), 2))));
  ASSERT_TRUE(
      s->send(message(MessageType::kSubscribe, 4, wire::encode_subscribe(cid(40, 0, 0, "job-9#0"), 2))));
  ASSERT_TRUE(eventually([&] { return c.registry->num_channels("job-9#0") == 4; }));  // 0, 2, 3 and 40
  ASSERT_TRUE(
      s->send(message(MessageType::kSubscribe, 5, wire::encode_subscribe(cid(5, 0, 0, "job-9#0"), 2))));
  EXPECT_TRUE(s->closed_by_peer(Clock::now() + kTimeout)) << "the connection stayed open";
  EXPECT_TRUE(
      logged(*c.log, {"TaskManager 127.0.0.1:1", "beyond the 4 streams one connection may subscribe to"}));
  EXPECT_TRUE(eventually([&] { return c.registry->num_channels("job-9#0") == 0; }));
  c.expect_healthy();
}

}  // namespace
}  // namespace weir::network
