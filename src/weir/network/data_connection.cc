#include "weir/network/data_connection.h"

#include <atomic>
#include <cstring>

#include <fmt/format.h>

#include "weir/common/log.h"

namespace weir::network {

using asio::ip::tcp;
using wire::MessageType;

namespace {
// Messages gathered into one socket write: enough to amortize the system call, few enough that a
// write completes (and returns its buffers to the producers) soon.
constexpr size_t kMaxGather = 64;
constexpr auto kConnectRetry = std::chrono::milliseconds(50);

bool split_address(const std::string& address, std::string& host, std::string& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);  // [::1]
  return true;
}

// Why a read of the rest of a message failed: the peer going away there is a torn message.
std::string mid_message(const asio::error_code& e) {
  return e == asio::error::eof ? "the peer closed the connection in the middle of a message" : e.message();
}
}  // namespace

// The producer side of one stream: listens to the producer's LocalChannel and asks the I/O thread to
// send when it has data. `pump_posted` coalesces the posts of a busy channel.
class DataConnection::OutboundStream final : public ChannelListener {
 public:
  OutboundStream(ChannelId id, std::shared_ptr<LocalChannel> channel, int64_t credit,
                 std::weak_ptr<asio::io_context> io, std::weak_ptr<DataConnection> conn, uint32_t stream)
      : id(std::move(id)),
        channel(std::move(channel)),
        credit(credit),
        announced(credit),
        io_(std::move(io)),
        conn_(std::move(conn)),
        stream_(stream) {}

  void notify_available(int) override {
    if (pump_posted.exchange(true)) return;
    auto io = io_.lock();
    if (!io) return;
    asio::post(*io, [conn = conn_, stream = stream_] {
      if (auto c = conn.lock()) c->pump(stream);
    });
  }
  //! A barrier for an unaligned checkpoint: the pump sends it and the data ahead of it at once.
  void notify_priority() override { notify_available(0); }

  const ChannelId id;
  const std::shared_ptr<LocalChannel> channel;
  int64_t credit;  // I/O thread
  // The receive buffers the consumer announced: credit never exceeds them (each credit it gives back is a
  // buffer it recycled, which took a credit when it was sent).
  const int64_t announced;
  std::atomic<bool> pump_posted{false};

 private:
  std::weak_ptr<asio::io_context> io_;
  std::weak_ptr<DataConnection> conn_;
  const uint32_t stream_;
};

DataConnection::DataConnection(std::shared_ptr<asio::io_context> io, Owner& owner, tcp::socket socket)
    : io_(std::move(io)), owner_(owner), socket_(std::move(socket)), retry_timer_(*io_) {}

DataConnection::~DataConnection() {
  for (auto& [stream, s] : outbound_) s->channel->detach_consumer();
}

std::shared_ptr<DataConnection> DataConnection::connect(std::shared_ptr<asio::io_context> io, Owner& owner,
                                                        std::string own_address, std::string peer,
                                                        std::chrono::milliseconds timeout) {
  tcp::socket socket(*io);
  std::shared_ptr<DataConnection> c(new DataConnection(std::move(io), owner, std::move(socket)));
  c->own_address_ = std::move(own_address);
  c->peer_ = std::move(peer);
  c->connect_timeout_ = timeout;
  c->connect_deadline_ = std::chrono::steady_clock::now() + timeout;
  c->try_connect();
  return c;
}

std::shared_ptr<DataConnection> DataConnection::accept(std::shared_ptr<asio::io_context> io, Owner& owner,
                                                       tcp::socket socket) {
  std::shared_ptr<DataConnection> c(new DataConnection(std::move(io), owner, std::move(socket)));
  c->on_connected();
  return c;
}

void DataConnection::try_connect() {
  if (closed_) return;
  std::string host, port;
  if (!split_address(peer_, host, port)) {
    close(fmt::format("'{}' is not a data address (HOST:PORT)", peer_));
    return;
  }
  asio::error_code ec;
  tcp::resolver resolver(*io_);
  auto endpoints = resolver.resolve(host, port, ec);
  auto retry_or_fail = [this](const std::string& error) {
    last_connect_error_ = error;
    if (std::chrono::steady_clock::now() + kConnectRetry >= connect_deadline_) {
      close(fmt::format("cannot connect to the data plane of TaskManager {} within {} ms: {}", peer_,
                        connect_timeout_.count(), last_connect_error_));
      return;
    }
    retry_timer_.expires_after(kConnectRetry);
    retry_timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
      if (!e) self->try_connect();
    });
  };
  if (ec) {
    retry_or_fail(ec.message());
    return;
  }
  asio::async_connect(
      socket_, endpoints,
      [self = shared_from_this(), retry_or_fail](const asio::error_code& e, const tcp::endpoint&) {
        if (self->closed_) return;
        if (e) {
          asio::error_code ignored;
          self->socket_.close(ignored);
          retry_or_fail(e.message());
          return;
        }
        // The hello goes ahead of the subscriptions queued while connecting.
        OutMessage hello;
        wire::encode_header({static_cast<uint32_t>(self->own_address_.size()), 0, MessageType::kHello, 0},
                            hello.header);
        hello.body = self->own_address_;
        self->out_.push_front(std::move(hello));
        self->on_connected();
      });
}

void DataConnection::on_connected() {
  connected_ = true;
  asio::error_code ignored;
  if (auto ep = socket_.remote_endpoint(ignored); !ignored)
    endpoint_ = fmt::format("{}:{}", ep.address().to_string(), ep.port());
  socket_.set_option(tcp::no_delay(true), ignored);
  // A peer host that vanished without closing (power loss) is found by the kernel's keepalive; a
  // killed process is seen at once (its kernel closes the socket).
  socket_.set_option(asio::socket_base::keep_alive(true), ignored);
  parse();  // reads
  start_write();
}

// ---- reading ----

// Messages are parsed out of read_buf_, filled with as much as the socket has (one system call for
// many small messages). A data buffer's bytes are copied from there into its receive buffer; what has
// not arrived yet is read straight into the receive buffer.
void DataConnection::read_more() {
  if (read_begin_ > 0) {  // keep the partial message at the front
    std::memmove(read_buf_.data(), read_buf_.data() + read_begin_, read_end_ - read_begin_);
    read_end_ -= read_begin_;
    read_begin_ = 0;
  }
  socket_.async_read_some(
      asio::buffer(read_buf_.data() + read_end_, read_buf_.size() - read_end_),
      [self = shared_from_this()](const asio::error_code& e, size_t n) {
        if (self->closed_) return;
        if (e) {
          // Part of a message arrived before the end of the stream: a torn message.
          const bool torn = self->read_end_ > self->read_begin_;
          self->close(e == asio::error::eof && !torn ? "the peer closed the connection" : mid_message(e));
          return;
        }
        self->read_end_ += n;
        self->parse();
      });
}

void DataConnection::parse() {
  while (!closed_) {
    const size_t available = read_end_ - read_begin_;
    if (available < wire::kHeaderSize) {
      read_more();
      return;
    }
    current_ = wire::decode_header(read_buf_.data() + read_begin_);
    // Before a byte of the body is read or allocated.
    if (std::string bad = wire::check_header(current_); !bad.empty()) {
      protocol_error(fmt::format("{} on stream {}", bad, current_.stream));
      return;
    }
    if (current_.type == MessageType::kBuffer && (current_.flags & wire::kPooled)) {
      if (auto it = inbound_.find(current_.stream); it != inbound_.end()) {
        auto pool = it->second.pool.lock();
        if (pool && !it->second.channel.expired()) {
          if (!on_buffer(it->second, std::move(pool))) return;  // the rest of the buffer is being read
          continue;
        }
        abandon(current_.stream);  // its task is gone: the buffer is read below and dropped
      }
    }
    const size_t length = wire::kHeaderSize + current_.body_length;
    if (available >= length) {
      const auto* body = reinterpret_cast<const char*>(read_buf_.data() + read_begin_ + wire::kHeaderSize);
      read_begin_ += length;
      on_message({body, current_.body_length});
      continue;
    }
    if (length <= read_buf_.size()) {
      read_more();
      return;
    }
    // A message larger than the read buffer (a big event, or data of a released stream): collect it.
    scratch_.assign(read_buf_.data() + read_begin_ + wire::kHeaderSize, read_buf_.data() + read_end_);
    const size_t have = scratch_.size();
    read_begin_ = read_end_ = 0;
    scratch_.resize(current_.body_length);
    asio::async_read(
        socket_, asio::buffer(scratch_.data() + have, scratch_.size() - have),
        [self = shared_from_this()](const asio::error_code& e, size_t) {
          if (self->closed_) return;
          if (e) {
            self->close(mid_message(e));
            return;
          }
          self->on_message({reinterpret_cast<const char*>(self->scratch_.data()), self->scratch_.size()});
          std::vector<uint8_t>().swap(self->scratch_);  // up to kMaxBody: not kept per connection
          self->parse();
        });
    return;
  }
}

// A data buffer for a live stream, its header at read_begin_: into one of the stream's receive buffers.
// Returns false when the rest of it is being read from the socket (parse() continues afterwards).
bool DataConnection::on_buffer(InboundStream& s, std::shared_ptr<BufferPool> pool) {
  BufferPtr b = pool->try_request();
  if (!b) {
    protocol_error(fmt::format("TaskManager {} sent a buffer without credit ({})", peer_, describe(s.id)));
    return false;
  }
  if (current_.body_length > b->capacity) {
    close(fmt::format(
        "a buffer of {} bytes from TaskManager {} does not fit the receive buffers of {} bytes ({}); do "
        "both TaskManagers use the same taskmanager.memory.segment-size?",
        current_.body_length, peer_, b->capacity, describe(s.id)));
    return false;
  }
  b->size = current_.body_length;
  b->priority = current_.flags & wire::kPriority;
  b->fence = current_.flags & wire::kFence;
  read_begin_ += wire::kHeaderSize;
  const size_t here = std::min<size_t>(read_end_ - read_begin_, b->size);
  std::memcpy(b->data, read_buf_.data() + read_begin_, here);
  read_begin_ += here;
  if (here == b->size) {
    deliver(current_.stream, std::move(b));
    return true;
  }
  // The pool outlives the buffer being read even if the consumer task ends meanwhile: members are
  // destroyed in reverse order, the buffer first.
  struct Pending {
    std::shared_ptr<BufferPool> pool;
    BufferPtr buffer;
  };
  auto pending = std::make_shared<Pending>(Pending{std::move(pool), std::move(b)});
  Buffer* raw = pending->buffer.get();
  read_begin_ = read_end_ = 0;  // everything read so far was consumed
  asio::async_read(
      socket_, asio::buffer(raw->data + here, raw->size - here),
      [self = shared_from_this(), pending, stream = current_.stream](const asio::error_code& e, size_t) {
        if (self->closed_) return;
        if (e) {
          self->close(mid_message(e));
          return;
        }
        self->deliver(stream, std::move(pending->buffer));
        self->parse();
      });
  return false;
}

void DataConnection::deliver(uint32_t stream, BufferPtr b) {
  auto it = inbound_.find(stream);
  if (it == inbound_.end()) return;
  auto channel = it->second.channel.lock();
  if (!channel) {
    abandon(stream);
    return;
  }
  try {
    channel->push(std::move(b));
  } catch (const std::exception&) {
    // The consumer's channel failed; its buffers are dropped.
  }
}

// The consumer task that read `stream` is gone (its channel was destroyed): the producer is told to
// stop sending, so neither side keeps buffers for it until the job ends.
void DataConnection::abandon(uint32_t stream) {
  if (inbound_.erase(stream) > 0) send(MessageType::kCancel, stream, 0, {});
}

void DataConnection::on_message(std::string_view body) {
  const uint32_t stream = current_.stream;
  switch (current_.type) {
    case MessageType::kHello:
      if (peer_.empty()) {
        peer_.assign(body);
        owner_.on_hello(shared_from_this());
      }
      break;
    case MessageType::kSubscribe:
      on_subscribe(stream, body);
      break;
    case MessageType::kBuffer:
      // An event (unpooled on the sender), or data for a stream already released here.
      if (auto it = inbound_.find(stream); it != inbound_.end() && !(current_.flags & wire::kPooled)) {
        // Sent without credit: bounded by what the consumer has not taken yet, checked before it is copied.
        if (auto channel = it->second.channel.lock()) {
          const uint64_t unread = channel->queued_unpooled_bytes();
          if (unread + body.size() > it->second.max_unread_event_bytes) {
            protocol_error(fmt::format(
                "an event of {} bytes on stream {} while {} bytes sent without credit are unread, "
                "more than the {} bytes allowed for {}",
                body.size(), stream, unread, it->second.max_unread_event_bytes, describe(it->second.id)));
            return;
          }
        }
        deliver(stream,
                make_unpooled_buffer(body.data(), static_cast<uint32_t>(body.size()),
                                     current_.flags & wire::kPriority, current_.flags & wire::kFence));
      }
      break;
    case MessageType::kCredit:
      // A stream not (or no longer) here: the credit crossed its cancel, or its release on this side.
      if (auto it = outbound_.find(stream); it != outbound_.end()) {
        OutboundStream& s = *it->second;
        const uint32_t n = wire::get_u32(reinterpret_cast<const uint8_t*>(body.data()));
        if (s.credit + n > s.announced) {
          protocol_error(
              fmt::format("a credit of {} on stream {} makes {}, more than the {} receive buffers "
                          "announced for {}",
                          n, stream, s.credit + n, s.announced, describe(s.id)));
          return;
        }
        s.credit += n;
        pump(stream);
      }
      break;
    case MessageType::kCancel:
      drop_outbound(stream, fmt::format("the consumer at TaskManager {} released the channel", peer_));
      break;
    case MessageType::kReject:
      if (auto it = inbound_.find(stream); it != inbound_.end()) {
        if (auto channel = it->second.channel.lock())
          channel->fail(fmt::format("TaskManager {} refused the subscription to {}: {}", peer_,
                                    describe(it->second.id), body));
        inbound_.erase(it);
      }
      break;
    default:  // refused by check_header already
      protocol_error(fmt::format("unknown message type {}", static_cast<int>(current_.type)));
      return;
  }
}

void DataConnection::on_subscribe(uint32_t stream, std::string_view body) {
  ChannelId id;
  uint32_t credit = 0;
  if (!wire::decode_subscribe(body, id, credit)) {
    protocol_error(fmt::format("a malformed subscription on stream {}", stream));
    return;
  }
  if (auto old = outbound_.find(stream); old != outbound_.end()) {  // the stream number subscribed again
    old->second->channel->detach_consumer();
    owner_.subscription_ended(old->second->id, old->second->channel.get());
    outbound_.erase(old);
  }
  if (outbound_.size() >= owner_.max_streams_per_connection()) {
    protocol_error(
        fmt::format("a subscription to {} on stream {} beyond the {} streams one connection may "
                    "subscribe to at a time",
                    describe(id), stream, owner_.max_streams_per_connection()));
    return;
  }
  std::string refusal;
  auto channel = owner_.producer_channel(id, refusal);
  if (!channel) {
    if (refusal.empty()) refusal = "refused";
    send(MessageType::kReject, stream, 0, refusal.substr(0, wire::kMaxReason));
    return;
  }
  auto s = std::make_unique<OutboundStream>(id, channel, credit, io_, weak_from_this(), stream);
  OutboundStream* raw = s.get();
  outbound_[stream] = std::move(s);
  raw->channel->attach_consumer(raw, 0);  // announces data queued before the consumer came
}

// ---- producer side ----

void DataConnection::pump(uint32_t stream) {
  auto it = outbound_.find(stream);
  if (it == outbound_.end() || closed_) return;
  OutboundStream& s = *it->second;
  // Cleared before popping: data pushed from now on posts another pump.
  s.pump_posted.store(false);
  // A priority barrier queued here must reach the consumer's channel at once, where it can overtake
  // the data before it. So the data ahead of it goes now, without credit, as unpooled buffers at the
  // receiver: stream order stays, and the extra receiver memory is bounded by the producer's pool.
  bool overtaking = s.channel->peek_priority(nullptr);
  bool more = false;
  while (BufferPtr b = s.channel->pop_for_send(overtaking || s.credit > 0, more)) {
    uint8_t flags = 0;
    if (b->pool && !overtaking) {
      flags |= wire::kPooled;
      --s.credit;
    }
    if (b->priority) flags |= wire::kPriority;
    if (b->fence) flags |= wire::kFence;
    const bool barrier_sent = overtaking && b->priority;
    send(MessageType::kBuffer, stream, flags, {}, std::move(b));
    if (barrier_sent) overtaking = s.channel->peek_priority(nullptr);  // another checkpoint's, behind it?
  }
}

void DataConnection::drop_outbound(uint32_t stream, const std::string& why) {
  auto it = outbound_.find(stream);
  if (it == outbound_.end()) return;
  it->second->channel->detach_consumer();
  // A producer still writing (it should have ended with its job) fails instead of waiting forever.
  it->second->channel->fail(fmt::format("{} ({})", why, describe(it->second->id)));
  owner_.subscription_ended(it->second->id, it->second->channel.get());
  outbound_.erase(it);
}

// ---- consumer side ----

void DataConnection::subscribe(const ChannelId& id, std::shared_ptr<LocalChannel> channel,
                               std::shared_ptr<BufferPool> pool, uint64_t max_unread_event_bytes) {
  if (closed_) {
    channel->fail(
        fmt::format("no data connection to TaskManager {} for {}: {}", peer_, describe(id), close_reason_));
    return;
  }
  const uint32_t stream = next_stream_++;
  const uint32_t credit = pool->max_buffers();
  // Each receive buffer the consumer recycles is one more buffer the producer may send. Recycles
  // between two runs of the I/O thread become one credit message: only the first posts.
  auto returned = std::make_shared<std::atomic<uint32_t>>(0);
  pool->set_recycle_callback(
      [io = std::weak_ptr<asio::io_context>(io_), conn = weak_from_this(), stream, returned] {
        if (returned->fetch_add(1) != 0) return;
        if (auto ctx = io.lock())
          asio::post(*ctx, [conn, stream, returned] {
            if (auto c = conn.lock()) c->credit_returned(stream, returned->exchange(0));
          });
      });
  inbound_[stream] = {id, channel, pool, max_unread_event_bytes};
  send(MessageType::kSubscribe, stream, 0, wire::encode_subscribe(id, credit));
}

void DataConnection::credit_returned(uint32_t stream, uint32_t n) {
  if (closed_ || n == 0 || !inbound_.count(stream)) return;
  std::string body(4, '\0');
  wire::put_u32(reinterpret_cast<uint8_t*>(body.data()), n);
  send(MessageType::kCredit, stream, 0, std::move(body));
}

void DataConnection::release_job(const std::string& prefix) {
  auto of_job = [&](const ChannelId& id) { return job_key_matches(id.job, prefix); };
  for (auto it = inbound_.begin(); it != inbound_.end();) {
    if (!of_job(it->second.id)) {
      ++it;
      continue;
    }
    send(MessageType::kCancel, it->first, 0, {});
    it = inbound_.erase(it);
  }
  for (auto it = outbound_.begin(); it != outbound_.end();) {
    if (!of_job(it->second->id)) {
      ++it;
      continue;
    }
    it->second->channel->detach_consumer();
    it = outbound_.erase(it);
  }
}

// ---- writing ----

void DataConnection::send(MessageType type, uint32_t stream, uint8_t flags, std::string body,
                          BufferPtr buffer) {
  if (closed_) return;
  OutMessage m;
  const uint32_t length = buffer ? buffer->size : static_cast<uint32_t>(body.size());
  wire::encode_header({length, stream, type, flags}, m.header);
  m.body = std::move(body);
  m.buffer = std::move(buffer);
  out_.push_back(std::move(m));
  start_write();
}

void DataConnection::start_write() {
  if (writing_ > 0 || !connected_ || closed_ || out_.empty()) return;
  gather_.clear();
  writing_ = std::min(out_.size(), kMaxGather);
  for (size_t i = 0; i < writing_; ++i) {
    const OutMessage& m = out_[i];
    gather_.emplace_back(m.header, wire::kHeaderSize);
    if (m.buffer)
      gather_.emplace_back(m.buffer->data, m.buffer->size);
    else if (!m.body.empty())
      gather_.emplace_back(m.body.data(), m.body.size());
  }
  // deque::push_back keeps references to the elements being written valid.
  asio::async_write(socket_, gather_, [self = shared_from_this()](const asio::error_code& e, size_t) {
    if (self->closed_) return;
    if (e) {
      self->close(e.message());
      return;
    }
    // Written: the buffers go back to their producers' pools here.
    self->out_.erase(self->out_.begin(), self->out_.begin() + static_cast<std::ptrdiff_t>(self->writing_));
    self->writing_ = 0;
    self->start_write();
  });
}

// ---- failure ----

void DataConnection::protocol_error(const std::string& what) {
  if (closed_) return;
  log::get("network").warn(
      "data connection with {} ({}): protocol error: {}; closing it",
      peer_.empty() ? std::string("an unidentified TaskManager") : "TaskManager " + peer_,
      endpoint_.empty() ? std::string("no address") : endpoint_, what);
  close("protocol error: " + what);
}

void DataConnection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = reason;
  asio::error_code ignored;
  retry_timer_.cancel();
  socket_.close(ignored);
  const std::string who = peer_.empty() ? std::string("an unidentified TaskManager") : "TaskManager " + peer_;
  for (auto& [stream, s] : inbound_)
    if (auto channel = s.channel.lock())
      channel->fail(
          fmt::format("lost the data connection to {} reading {}: {}", who, describe(s.id), reason));
  inbound_.clear();
  for (auto& [stream, s] : outbound_) {
    s->channel->detach_consumer();
    s->channel->fail(fmt::format("the consumer of {} at {} is gone (data connection lost: {})",
                                 describe(s->id), who, reason));
    owner_.subscription_ended(s->id, s->channel.get());
  }
  outbound_.clear();
  // Buffers still queued for the socket go back to their pools (the write in flight, if any, completes
  // with an error and does nothing more).
  if (writing_ == 0) out_.clear();
  owner_.on_closed(this);
}

}  // namespace weir::network
