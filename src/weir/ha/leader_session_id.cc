#include "weir/ha/leader_session_id.h"

#include <random>

#include <fmt/format.h>

namespace weir::ha {

LeaderSessionId LeaderSessionId::generate() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  return LeaderSessionId(fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL));
}

}  // namespace weir::ha
