#pragma once
// The runtime's names for a timer and the heap's timer queue (state/heap/timer_queue.h), which the heap
// backend also keeps its timers in when it checkpoints incrementally (state/heap/heap_timer_store.h).
#include "weir/state/heap/timer_queue.h"
#include "weir/state/timer_store.h"

namespace weir::runtime {

using Timer = state::TimerEntry;
using TimerQueue = state::TimerQueue;

}  // namespace weir::runtime
