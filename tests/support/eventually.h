#pragma once
// Waiting in tests for a condition nothing announces (a channel's failure, a connection count, a job's state
// seen through another process): polls with a deadline, a hang guard rather than a timing assumption. Where a
// callback or a condition variable can announce the condition, wait on that instead.
#include <chrono>
#include <thread>

namespace weir::testing {

//! Polls `cond` every millisecond until it holds (true) or `limit` passes (false).
template <typename Cond>
bool eventually(Cond&& cond, std::chrono::milliseconds limit = std::chrono::milliseconds(30000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace weir::testing
