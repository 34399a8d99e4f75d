#include "weir/cluster/rpc/malloc_arenas.h"

#include <malloc.h>

#include <cstdlib>

#include <fmt/format.h>

#include "weir/cluster/rpc/rpc_options.h"
#include "weir/common/error.h"

namespace weir::cluster::rpc {

std::optional<int> apply_malloc_arena_max(const Configuration& conf) {
  const auto n = static_cast<int>(conf.get_int(options::kTaskManagerMallocArenaMax));
  if (n == 0 || std::getenv("MALLOC_ARENA_MAX") != nullptr) return std::nullopt;
  if (mallopt(M_ARENA_MAX, n) != 1)
    throw WeirError(
        fmt::format("{}: glibc refused {} malloc arenas", options::kTaskManagerMallocArenaMax.key(), n));
  return n;
}

}  // namespace weir::cluster::rpc
