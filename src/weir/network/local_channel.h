#pragma once
// A channel between one producer subpartition and one consumer input, both in this process. The
// producer pushes filled buffers; the consumer's InputGate pops them. Because buffers come from the
// producer's bounded pool, the queue is bounded too.
//
// Threading: push() from the producer task, pop() from the consumer task; a mutex guards the queue.
#include <deque>
#include <memory>
#include <mutex>

#include "weir/network/buffer.h"
#include "weir/network/buffer_pool.h"

namespace weir::network {

class InputGate;

class LocalChannel {
 public:
  void push(BufferPtr buffer);
  //! Null when empty. `more` tells whether buffers remain after this one.
  BufferPtr pop(bool& more);
  //! Connects the consumer side; buffers already queued are announced at once.
  void attach_consumer(InputGate* gate, int channel_index);
  void detach_consumer();
  //! Keeps the producer's pool alive while buffers from it may still be queued here.
  void hold_pool(std::shared_ptr<BufferPool> pool);
  size_t queued() const;

 private:
  // pool_ is declared before queue_ so that queued buffers return to the pool before it goes away.
  std::shared_ptr<BufferPool> pool_;
  mutable std::mutex mu_;
  std::deque<BufferPtr> queue_;
  InputGate* gate_ = nullptr;
  int channel_index_ = -1;
};

}  // namespace weir::network
