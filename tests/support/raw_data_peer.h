#pragma once
// A raw peer of the data plane (network/data_wire_format.h) for tests: a TCP socket on loopback that reads
// and writes whole messages with deadlines, a listener that plays a producer's TaskManager, and the bytes
// of headers and messages built by hand, so a test can send what a correct peer never would.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "weir/network/data_wire_format.h"
#include "weir/network/partition_registry.h"

namespace weir::testing {

using Clock = std::chrono::steady_clock;

struct Message {
  network::wire::Header header;
  std::string body;
};

inline std::string header_bytes(uint32_t length, uint32_t stream, uint8_t type, uint8_t flags = 0) {
  std::string h(network::wire::kHeaderSize, '\0');
  network::wire::encode_header({length, stream, static_cast<network::wire::MessageType>(type), flags},
                               reinterpret_cast<uint8_t*>(h.data()));
  return h;
}

inline std::string message(network::wire::MessageType type, uint32_t stream, const std::string& body,
                           uint8_t flags = 0) {
  return header_bytes(static_cast<uint32_t>(body.size()), stream, static_cast<uint8_t>(type), flags) + body;
}

inline std::string u32(uint32_t v) {
  std::string s(4, '\0');
  network::wire::put_u32(reinterpret_cast<uint8_t*>(s.data()), v);
  return s;
}

//! One end of a TCP connection on loopback; every read waits on poll() with a deadline.
class RawSocket {
 public:
  explicit RawSocket(int fd) : fd_(fd) {
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  RawSocket(const RawSocket&) = delete;
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }

  //! Connects to "127.0.0.1:port".
  static std::unique_ptr<RawSocket> connect_to(const std::string& address) {
    const int port = std::stoi(address.substr(address.rfind(':') + 1));
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot connect to " + address + ": " + std::strerror(errno));
    return std::make_unique<RawSocket>(fd);
  }

  //! Sends everything; false when the peer is gone (EPIPE, reset).
  bool send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      done += static_cast<size_t>(n);
    }
    return true;
  }

  //! Exactly `n` bytes; nullopt at end of stream, a reset, or the deadline.
  std::optional<std::string> read_exactly(size_t n, Clock::time_point deadline) {
    std::string out;
    while (out.size() < n) {
      if (buffered_.empty() && !fill(deadline)) return std::nullopt;
      size_t take = std::min(n - out.size(), buffered_.size());
      out.append(buffered_, 0, take);
      buffered_.erase(0, take);
    }
    return out;
  }

  std::optional<Message> read_message(Clock::time_point deadline) {
    auto h = read_exactly(network::wire::kHeaderSize, deadline);
    if (!h) return std::nullopt;
    Message m;
    m.header = network::wire::decode_header(reinterpret_cast<const uint8_t*>(h->data()));
    auto body = read_exactly(m.header.body_length, deadline);
    if (!body) return std::nullopt;
    m.body = std::move(*body);
    return m;
  }

  //! Reads (and drops) until the peer closes: true when it did before the deadline.
  bool closed_by_peer(Clock::time_point deadline) {
    buffered_.clear();
    while (fill(deadline)) buffered_.clear();
    return eof_;
  }

  int fd() const { return fd_; }

 private:
  // More bytes into buffered_: false at end of stream, a reset or the deadline.
  bool fill(Clock::time_point deadline) {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof_ = true;  // end of stream or reset: the peer closed
        return false;
      }
      buffered_.append(buf, static_cast<size_t>(n));
      return true;
    }
  }

  int fd_;
  std::string buffered_;
  bool eof_ = false;
};

//! A listening socket on loopback that plays the producer's TaskManager for a DataPlane that subscribes.
class RawListener {
 public:
  RawListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = 0;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0)
      throw std::runtime_error(std::string("cannot listen on loopback: ") + std::strerror(errno));
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    address_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~RawListener() { ::close(fd_); }
  const std::string& address() const { return address_; }

  std::unique_ptr<RawSocket> accept(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) return nullptr;
    int fd = ::accept(fd_, nullptr, nullptr);
    return fd < 0 ? nullptr : std::make_unique<RawSocket>(fd);
  }

 private:
  int fd_;
  std::string address_;
};

//! Plays a producer's TaskManager for one subscription: listens, accepts the consumer's connection, reads
//! its hello and subscription, then the test writes what it wants on `socket`.
struct RawProducer {
  RawListener listener;
  std::unique_ptr<RawSocket> socket;
  uint32_t stream = 0;
  uint32_t credit = 0;

  //! Accepts the consumer's connection and reads its hello and its subscription of `id` (checked with
  //! gtest assertions), within `timeout`.
  void accept_subscription(const network::ChannelId& id,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = Clock::now() + timeout;
    socket = listener.accept(deadline);
    ASSERT_TRUE(socket);
    auto hello = socket->read_message(deadline);
    ASSERT_TRUE(hello);
    EXPECT_EQ(hello->header.type, network::wire::MessageType::kHello);
    auto sub = socket->read_message(deadline);
    ASSERT_TRUE(sub);
    ASSERT_EQ(sub->header.type, network::wire::MessageType::kSubscribe);
    network::ChannelId got;
    ASSERT_TRUE(network::wire::decode_subscribe(sub->body, got, credit));
    EXPECT_EQ(got, id);
    stream = sub->header.stream;
  }
};

}  // namespace weir::testing
