#pragma once
// One log line per event of the cluster processes, on stderr, prefixed with the wall-clock time and the
// role. Plain text, one fprintf per line (stdio locks the stream, so lines from threads do not mix).
#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace weir::cluster::rpc {

inline void log_line(const std::string& role, const std::string& message) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::string line =
      fmt::format("{:%H:%M:%S}.{:03d} [{}] {}\n", fmt::localtime(std::chrono::system_clock::to_time_t(now)),
                  ms, role, message);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace weir::cluster::rpc
