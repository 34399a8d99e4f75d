#include "weir/cluster/rpc/malloc_arenas.h"

#include <malloc.h>

#include <cstdlib>

#include <fmt/format.h>

#include "weir/cluster/rpc/rpc_options.h"
#include "weir/common/allocator.h"
#include "weir/common/error.h"
#include "weir/common/log.h"

namespace weir::cluster::rpc {

std::optional<int> apply_malloc_arena_max(const Configuration& conf) {
  const auto n = static_cast<int>(conf.get_int(options::kTaskManagerMallocArenaMax));
  if (n == 0 || std::getenv("MALLOC_ARENA_MAX") != nullptr) return std::nullopt;
  if (allocator_is_jemalloc()) {
    // jemalloc (the `weir` executable's malloc) has arenas of its own, 4 per core, which return their free
    // pages to the system after a decay time: glibc's cap does not apply to it.
    log::get("taskmanager")
        .info("{}: not applied, this process runs on {} (its arenas: MALLOC_CONF=narenas:N)",
              options::kTaskManagerMallocArenaMax.key(), allocator_name());
    return std::nullopt;
  }
  // The value is in glibc's range (the key's bounds), so a refusal means another allocator answers mallopt:
  // a sanitizer build's. The TaskManager runs on without the cap.
  if (mallopt(M_ARENA_MAX, n) != 1) {
    log::get("taskmanager")
        .warn(
            "{}: this process's allocator does not take a limit of {} malloc arenas (not glibc's malloc, as "
            "in a sanitizer build); running without it",
            options::kTaskManagerMallocArenaMax.key(), n);
    return std::nullopt;
  }
  return n;
}

}  // namespace weir::cluster::rpc
