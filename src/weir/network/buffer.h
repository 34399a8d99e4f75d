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
  uint32_t size = 0;           //!< bytes written
  BufferPool* pool = nullptr;  //!< null: an unpooled buffer that owns `data` (events, restored data)
  //! A priority event (an unaligned checkpoint barrier): consumers look for it ahead of queued data.
  bool priority = false;
  //! End of data: a priority buffer queued behind it is not taken ahead of it (a task's final
  //! checkpoint must come after all its data).
  bool fence = false;
  uint32_t free() const { return capacity - size; }
};

struct BufferRecycler {
  void operator()(Buffer* b) const;
};
using BufferPtr = std::unique_ptr<Buffer, BufferRecycler>;

//! A buffer outside every pool, for events that must not wait for pooled memory (barriers) and for
//! in-flight data restored from an unaligned checkpoint. Freed, not recycled.
BufferPtr make_unpooled_buffer(const void* data, uint32_t size, bool priority, bool fence = false);

}  // namespace weir::network
