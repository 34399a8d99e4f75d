#pragma once
// What a module's logger writes, captured in a test: a sink added to the logger keeps every line, and a test
// asks whether one line holds all of some parts (a peer's address and the error, say).
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>

#include "weir/common/log.h"

namespace weir::testing {

class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }
  //! Whether one captured line contains every one of `parts`.
  bool logged(const std::vector<std::string>& parts) {
    for (const auto& line : lines()) {
      bool all = true;
      for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
      if (all) return true;
    }
    return false;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& m) override {
    std::lock_guard lock(mu_);
    lines_.emplace_back(m.payload.data(), m.payload.size());
  }
  void flush_() override {}

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

//! The lines of the logger `module` ("network", "jobmanager", ...) from now on; one sink per module for the
//! whole test binary, added the first time (before the components of the test start logging).
inline std::shared_ptr<CaptureSink> capture_log(const std::string& module) {
  static std::mutex mu;
  static std::vector<std::pair<std::string, std::shared_ptr<CaptureSink>>> sinks;
  std::lock_guard lock(mu);
  for (const auto& [m, s] : sinks)
    if (m == module) return s;
  auto s = std::make_shared<CaptureSink>();
  log::get(module).sinks().push_back(s);
  sinks.emplace_back(module, s);
  return s;
}

}  // namespace weir::testing
