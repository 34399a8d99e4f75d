#pragma once
// A network buffer: a fixed-size memory segment from a BufferPool, filled by one task and read by
// another. Ownership moves with the BufferPtr; destroying it returns the segment to its pool.
#include <cstddef>
#include <cstdint>
#include <memory>

namespace weir::network {

class BufferPool;

struct Buffer {
  uint8_t* data = nullptr;
  uint32_t capacity = 0;
  uint32_t size = 0;  //!< bytes written
  BufferPool* pool = nullptr;
  uint32_t free() const { return capacity - size; }
};

struct BufferRecycler {
  void operator()(Buffer* b) const;
};
using BufferPtr = std::unique_ptr<Buffer, BufferRecycler>;

}  // namespace weir::network
