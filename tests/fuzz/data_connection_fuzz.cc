// A hostile peer on a data connection: the input's bytes travel over a real TCP connection on loopback to
// a DataPlane of this process, whose connection reads them as it reads any peer's (message by message,
// with its credit, stream and buffer-size accounting). Byte 0 picks the side the peer plays:
//   even: a consumer TaskManager that connected to this data plane: the bytes are what it sends (hello,
//         subscriptions, credit, cancels, anything), read by the producer side;
//   odd:  a producer this TaskManager subscribed to (a remote input channel, 2 credits of 4 KiB): it
//         reads the hello and the subscription, then sends the bytes (buffers larger than the receive
//         buffers, buffers without credit, events without end, rejections), read by the consumer side,
//         and the channel is drained as a task would.
// Then the peer closes its side and waits until the data plane has closed the connection (the data plane
// forgets a connection in the same step on its I/O thread, so the next input starts on a fresh one). A crash,
// a sanitizer report or an allocation over libFuzzer's limits is a finding; a connection closed as a protocol
// error is the data plane's contract for bad bytes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "fuzz_target.h"
#include "weir/network/channel_listener.h"
#include "weir/network/data_plane.h"
#include "weir/network/data_wire_format.h"
#include "weir/network/partition_registry.h"

namespace {

using namespace weir;
using Clock = std::chrono::steady_clock;
constexpr auto kPatience = std::chrono::seconds(2);

int port_of(const std::string& address) {
  return std::stoi(address.substr(address.rfind(':') + 1));
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool wait_readable(int fd, Clock::time_point deadline) {
  pollfd p{fd, POLLIN, 0};
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 && ::poll(&p, 1, static_cast<int>(left)) > 0;
}

void send_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return;  // the data plane closed the connection (a protocol error): the rest is moot
    data += n;
    size -= static_cast<size_t>(n);
  }
}

//! Reads and drops what the data plane sends until it closes the connection (or the patience ends).
void drain_until_closed(int fd, Clock::time_point deadline) {
  char buf[4096];
  while (wait_readable(fd, deadline))
    if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
}

//! Reads one whole message (header and body), false when the connection ends or the patience does.
bool read_message(int fd, network::wire::Header& h, Clock::time_point deadline) {
  std::string bytes;
  auto fill = [&](size_t n) {
    while (bytes.size() < n) {
      if (!wait_readable(fd, deadline)) return false;
      char buf[4096];
      ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - bytes.size()), 0);
      if (got <= 0) return false;
      bytes.append(buf, static_cast<size_t>(got));
    }
    return true;
  };
  if (!fill(network::wire::kHeaderSize)) return false;
  h = network::wire::decode_header(reinterpret_cast<const uint8_t*>(bytes.data()));
  return h.body_length <= network::wire::kMaxBody && fill(network::wire::kHeaderSize + h.body_length);
}

//! The task's side of a remote input channel: woken when the channel has data or failed.
class Wakeups final : public network::ChannelListener {
 public:
  void notify_available(int) override { signal(); }
  void notify_priority() override { signal(); }
  //! Until the next wake-up (or one since the last wait), false when `deadline` came first.
  bool wait(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    const bool woken = cv_.wait_until(lock, deadline, [&] { return signaled_; });
    signaled_ = false;
    return woken;
  }

 private:
  void signal() {
    std::lock_guard lock(mu_);
    signaled_ = true;
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool signaled_ = false;
};

//! One data plane for the run, and a listener playing a producer's TaskManager. Never destroyed: the
//! process ends with them.
struct World {
  std::shared_ptr<network::PartitionRegistry> registry = std::make_shared<network::PartitionRegistry>();
  network::DataPlane plane{registry};
  int listener = -1;
  int listener_port = 0;
  uint64_t inputs = 0;
  World() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listener, 16);
    socklen_t len = sizeof a;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    listener_port = ntohs(a.sin_port);
  }
};

World& world() {
  static World* w = new World();
  return *w;
}

void as_consumer(World& w, const uint8_t* data, size_t size) {
  const int fd = connect_to(port_of(w.plane.address()));
  if (fd < 0) return;
  send_all(fd, data, size);
  ::shutdown(fd, SHUT_WR);
  drain_until_closed(fd, Clock::now() + kPatience);
  ::close(fd);
}

void as_producer(World& w, const uint8_t* data, size_t size) {
  const std::string job = "fuzz#" + std::to_string(w.inputs);
  network::RemoteInputOptions options;
  options.credits = 2;
  options.segment_size = 4096;
  auto channel =
      w.plane.remote_input({job, 1, 0, 0}, "127.0.0.1:" + std::to_string(w.listener_port), options);
  const auto deadline = Clock::now() + kPatience;
  if (!wait_readable(w.listener, deadline)) return;
  const int fd = ::accept(w.listener, nullptr, nullptr);
  if (fd < 0) return;
  network::wire::Header h;
  while (read_message(fd, h, deadline) && h.type != network::wire::MessageType::kSubscribe) {
  }
  send_all(fd, data, size);
  ::shutdown(fd, SHUT_WR);
  // The task's side: take what arrives until the channel fails (our end of the connection closed; a failed
  // channel's pop throws its WeirError), woken by the channel as a task's gate is.
  Wakeups wakeups;
  channel->attach_consumer(&wakeups, 0);
  fuzz::refuse_or_accept([&] {
    bool more = true;
    do {
      while (channel->pop(more)) {
      }
    } while (channel->failure().empty() && wakeups.wait(deadline));
    while (channel->pop(more)) {
    }
  });
  channel->detach_consumer();
  drain_until_closed(fd, Clock::now() + kPatience);
  ::close(fd);
  w.plane.release_job(job);
  w.registry->release_job(job);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& w = world();
  ++w.inputs;
  if (data[0] % 2 == 0)
    as_consumer(w, data + 1, size - 1);
  else
    as_producer(w, data + 1, size - 1);
  return 0;
}
