#pragma once
// Frees memory off the task thread. When a heap snapshot is released, the entries and slot arrays that
// only it still saw (copies made while it was in flight) can go; with gigabytes of state that is
// millions of frees, which would pause the task thread at its next write or snapshot. The map hands them
// over as one batch instead, and a single process-wide reclaimer thread destroys the batches in order.
//
// Threading: defer() is thread-safe. The reclaimer thread starts on first use and, at exit, frees what
// is still queued before it ends; after that, defer() frees on the calling thread.
#include <memory>

namespace weir::state {

//! Something to destroy off the task thread; its destructor does the freeing.
class Garbage {
 public:
  virtual ~Garbage() = default;
};

//! Destroys `g` on the reclaimer thread (soon, in the order given).
void reclaim_later(std::unique_ptr<Garbage> g);

//! Blocks until everything handed over before the call was destroyed (tests, benchmarks).
void reclaim_wait();

}  // namespace weir::state
