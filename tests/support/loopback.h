#pragma once
// Sockets on 127.0.0.1 for tests: a socket bound to a free port (not listening), which refuses connections
// while it is open and leaves the port free once closed. No gtest here, so benchmarks use it too.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace weir::testing {

//! A TCP socket bound to a free port of 127.0.0.1, not listening; its port in `*port`.
inline int bind_loopback_socket(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

//! A port nothing listens on while this lives: connections to it are refused.
struct ClosedPort {
  ClosedPort() : fd(bind_loopback_socket(&port)) {}
  ~ClosedPort() { ::close(fd); }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port = 0;
  int fd = -1;
};

}  // namespace weir::testing
