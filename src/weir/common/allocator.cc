#include "weir/common/allocator.h"

#include <cstddef>

// jemalloc's control interface, weak: null unless jemalloc is linked into the process (as `weir` is).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace weir {

bool allocator_is_jemalloc() {
  return mallctl != nullptr;
}

std::string allocator_name() {
  if (mallctl == nullptr) return "glibc malloc";
  const char* version = nullptr;
  size_t size = sizeof version;
  if (mallctl("version", static_cast<void*>(&version), &size, nullptr, 0) != 0 || version == nullptr)
    return "jemalloc";
  return std::string("jemalloc ") + version;
}

}  // namespace weir
