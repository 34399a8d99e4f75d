#pragma once
// One TCP connection between two TaskManagers' data planes, carrying many channels (streams) in both
// directions (data_wire_format.h).
//
// Consumer side (inbound streams): a subscribed channel gets a pool of exclusive receive buffers, one
// per credit. A received data buffer is read straight into one of them and pushed into the consumer's
// LocalChannel; when the consumer task recycles it, the pool's callback sends one credit back.
// Producer side (outbound streams): this connection attaches to the producer's LocalChannel as its
// listener and sends its buffers, a pooled one only while the stream holds credit, an event in an
// unpooled buffer at once. A buffer goes back to the producer's pool once the socket took it, so a
// stream without credit keeps its producer's buffers and its producer waits: backpressure. Other
// streams on the connection keep flowing.
//
// Failure: an I/O error, end of stream or a protocol error closes the connection and fails every
// channel on it (LocalChannel::fail), naming the peer and the channel, so both tasks stop waiting.
//
// Threading: everything runs on the data plane's I/O thread. Other threads only post to it: a
// producer's channel when it gets data (notify_available), a receive pool when a buffer comes back.
#include <asio.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/network/buffer_pool.h"
#include "weir/network/data_wire_format.h"
#include "weir/network/local_channel.h"
#include "weir/network/partition_registry.h"

namespace weir::network {

class DataConnection : public std::enable_shared_from_this<DataConnection> {
 public:
  //! The data plane, as a connection needs it (I/O thread).
  class Owner {
   public:
    virtual ~Owner() = default;
    //! The producer-side channel a remote consumer subscribes to; null, with `refusal` saying why, when
    //! the subscription is refused.
    virtual std::shared_ptr<LocalChannel> producer_channel(const ChannelId& id, std::string& refusal) = 0;
    //! The subscription to `id`, served from `channel`, ended (cancelled, re-subscribed or its connection
    //! lost): the channel goes if no task of this TaskManager claimed it.
    virtual void subscription_ended(const ChannelId& id, const LocalChannel* channel) = 0;
    //! The most streams a peer may subscribe to at a time on one connection
    //! (DataPlaneOptions::max_streams_per_connection).
    virtual size_t max_streams_per_connection() const = 0;
    //! An accepted connection said which data plane it comes from.
    virtual void on_hello(const std::shared_ptr<DataConnection>& c) = 0;
    virtual void on_closed(DataConnection* c) = 0;
  };

  //! Connects to `peer` ("host:port"), retrying refused or failed attempts until `timeout` has passed.
  static std::shared_ptr<DataConnection> connect(std::shared_ptr<asio::io_context> io, Owner& owner,
                                                 std::string own_address, std::string peer,
                                                 std::chrono::milliseconds timeout);
  //! Serves a connection another data plane opened.
  static std::shared_ptr<DataConnection> accept(std::shared_ptr<asio::io_context> io, Owner& owner,
                                                asio::ip::tcp::socket socket);
  ~DataConnection();

  //! Consumer side: asks the peer for channel `id`, delivered into `channel` through `pool` (whose
  //! size is the initial credit). More than `max_unread_event_bytes` sent without credit and not yet
  //! taken by the consumer is a protocol error.
  void subscribe(const ChannelId& id, std::shared_ptr<LocalChannel> channel, std::shared_ptr<BufferPool> pool,
                 uint64_t max_unread_event_bytes);
  //! Drops every stream of the jobs whose key starts with `prefix`, telling the producers.
  void release_job(const std::string& prefix);
  //! Fails every channel on this connection with `reason` and closes the socket; idempotent.
  void close(const std::string& reason);

  //! The peer's data address; empty for an accepted connection before its hello.
  const std::string& peer() const { return peer_; }
  bool closed() const { return closed_; }
  size_t num_streams() const { return inbound_.size() + outbound_.size(); }

 private:
  // Held weakly: the consumer task owns its channel (and the channel its receive pool). When the task
  // is gone, the next buffer for the stream cancels it (abandon()).
  struct InboundStream {
    ChannelId id;
    std::weak_ptr<LocalChannel> channel;
    std::weak_ptr<BufferPool> pool;
    uint64_t max_unread_event_bytes = 0;
  };
  class OutboundStream;
  struct OutMessage {
    uint8_t header[wire::kHeaderSize];
    BufferPtr buffer;  // kBuffer: the bytes to send, released once written
    std::string body;  // other messages
  };

  DataConnection(std::shared_ptr<asio::io_context> io, Owner& owner, asio::ip::tcp::socket socket);
  void try_connect();
  void on_connected();
  void read_more();
  void parse();
  void on_message(std::string_view body);
  bool on_buffer(InboundStream& s, std::shared_ptr<BufferPool> pool);
  void abandon(uint32_t stream);
  void deliver(uint32_t stream, BufferPtr b);
  void on_subscribe(uint32_t stream, std::string_view body);
  void pump(uint32_t stream);
  void credit_returned(uint32_t stream, uint32_t n);
  void send(wire::MessageType type, uint32_t stream, uint8_t flags, std::string body,
            BufferPtr buffer = nullptr);
  void start_write();
  void drop_outbound(uint32_t stream, const std::string& why);
  //! The peer broke the protocol: logged (naming the peer and what it sent), then close().
  void protocol_error(const std::string& what);

  std::shared_ptr<asio::io_context> io_;
  Owner& owner_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer retry_timer_;
  std::string own_address_;  // sent in the hello (connecting side only)
  std::string peer_;
  std::string endpoint_;  // the socket's remote "ip:port", for logs
  std::chrono::milliseconds connect_timeout_{0};
  std::chrono::steady_clock::time_point connect_deadline_;
  std::string last_connect_error_;
  bool connected_ = false;
  bool closed_ = false;
  std::string close_reason_;

  // Bytes read from the socket and not parsed yet: [read_begin_, read_end_).
  std::vector<uint8_t> read_buf_ = std::vector<uint8_t>(64 * 1024);
  size_t read_begin_ = 0;
  size_t read_end_ = 0;
  wire::Header current_;          // of the message being handled
  std::vector<uint8_t> scratch_;  // a message larger than read_buf_

  std::deque<OutMessage> out_;
  size_t writing_ = 0;  // messages at the front of out_ being written
  std::vector<asio::const_buffer> gather_;

  uint32_t next_stream_ = 1;
  std::map<uint32_t, InboundStream> inbound_;                     // streams we subscribed to
  std::map<uint32_t, std::unique_ptr<OutboundStream>> outbound_;  // streams the peer subscribed to
};

}  // namespace weir::network
