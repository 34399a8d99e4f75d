#pragma once
// Milliseconds of the steady clock since a point: durations a component measures (an alignment, a write,
// an uptime, the time since a heartbeat).
#include <chrono>
#include <cstdint>

namespace weir {

inline int64_t millis_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace weir
