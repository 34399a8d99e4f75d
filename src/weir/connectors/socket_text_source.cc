#include "weir/connectors/socket_text_source.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "weir/common/error.h"

namespace weir::connectors {

SocketTextReader::~SocketTextReader() {
  close();
}

void SocketTextReader::open(const SourceContext&) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(port_);
  if (int rc = getaddrinfo(host_.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw WeirError("socket source: cannot resolve '" + host_ + "': " + gai_strerror(rc));
  int err = 0;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd_ < 0) continue;
    if (::connect(fd_, a->ai_addr, a->ai_addrlen) == 0) break;
    err = errno;
    ::close(fd_);
    fd_ = -1;
  }
  freeaddrinfo(res);
  if (fd_ < 0)
    throw WeirError("socket source: cannot connect to " + host_ + ":" + port + ": " + std::strerror(err));
}

InputStatus SocketTextReader::poll_next(SourceOutput<std::string>& out, int max_records) {
  int emitted = 0;
  auto drain = [&] {
    size_t pos;
    while (emitted < max_records && (pos = pending_.find(delimiter_)) != std::string::npos) {
      std::string line = pending_.substr(0, pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      pending_.erase(0, pos + 1);
      out.collect(line);
      ++emitted;
    }
  };
  drain();
  if (emitted > 0) return InputStatus::kMoreAvailable;
  if (eof_) {
    if (!pending_.empty()) {
      out.collect(pending_);
      pending_.clear();
    }
    return InputStatus::kEndOfInput;
  }
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, 10);
  if (r <= 0) return InputStatus::kNothingAvailable;
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return InputStatus::kNothingAvailable;
    throw WeirError(std::string("socket source: read failed: ") + std::strerror(errno));
  }
  if (n == 0)
    eof_ = true;
  else
    pending_.append(buf, n);
  drain();
  return InputStatus::kMoreAvailable;
}

void SocketTextReader::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace weir::connectors
