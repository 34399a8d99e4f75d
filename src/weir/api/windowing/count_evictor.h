#pragma once
// CountEvictor::of(n): before a window fires, keeps only its last `n` elements (sliding count
// windows). A window with an evictor keeps every element, so reduce and aggregate run at fire time.
#include <cstdint>
#include <string>

#include "weir/common/error.h"

namespace weir {

class CountEvictor {
 public:
  static CountEvictor of(int64_t n) {
    if (n <= 0)
      throw JobDefinitionError("CountEvictor::of needs a count of at least 1, got " + std::to_string(n));
    return CountEvictor(n);
  }
  int64_t max_count() const { return n_; }

 private:
  explicit CountEvictor(int64_t n) : n_(n) {}
  int64_t n_;
};

}  // namespace weir
