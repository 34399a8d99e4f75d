#pragma once
// Which malloc this process runs on. Release builds of the `weir` executable link jemalloc (see the root
// CMakeLists.txt, WEIR_ALLOCATOR): its thread caches and size-class slabs make the engine's allocation
// churn (state nodes, records' strings, their frees when a job's state is dropped) far cheaper than
// glibc's malloc, and it fragments less in long-running processes (Flink's images switched to it for
// RocksDB for the same reason). Libraries (the Python module, test binaries) use whatever malloc their
// process has; this tells which one that is.
#include <string>

namespace weir {

//! "jemalloc <version>" when jemalloc is this process's malloc, else "glibc malloc" (or the sanitizer's,
//! which also answers to glibc's name here: neither has jemalloc's mallctl).
std::string allocator_name();

//! True when jemalloc is this process's malloc.
bool allocator_is_jemalloc();

}  // namespace weir
