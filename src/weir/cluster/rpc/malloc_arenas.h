#pragma once
// A TaskManager process's cap on glibc's malloc arenas (taskmanager.memory.malloc-arena-max). glibc gives
// every new thread that allocates an arena of its own, up to 8 per core, and keeps their free memory; a
// TaskManager runs each task on a new thread, so under many short jobs its resident memory grows with the
// arenas while its live heap does not (benchmarks/BENCHMARKS.md, the soak). Flink's documentation advises
// MALLOC_ARENA_MAX for the same reason. It applies to glibc's malloc only: the `weir` executable of a
// release build runs on jemalloc (common/allocator.h), whose arenas return their free pages by themselves.
//
// Threading: call once at process start, before other threads allocate.
#include <optional>

#include "weir/common/config.h"

namespace weir::cluster::rpc {

//! Applies taskmanager.memory.malloc-arena-max with mallopt(M_ARENA_MAX) and returns the cap set; nullopt
//! when nothing was set: the key is 0 (glibc's own limit), or the MALLOC_ARENA_MAX environment variable is
//! set (it wins: glibc read it at start), the process runs on jemalloc (logged), or the allocator refuses
//! it (a sanitizer build's; logged as a warning).
std::optional<int> apply_malloc_arena_max(const Configuration& conf);

}  // namespace weir::cluster::rpc
