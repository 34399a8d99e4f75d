#pragma once
// Hooks a task thread runs when it is done with a batch of work: a source batch or an input buffer,
// before it flushes outputs, waits, takes mail or fires timers. Operators that amortize a per-record cost
// over a batch register one (the Python operators keep the GIL across the records of a batch and send
// their results downstream here, after releasing it).
//
// Order: hooks run upstream first (by the operator's chain position, not by when they registered: a task
// opens its chain tail first). An upstream operator's hook may hand records to a downstream one that
// holds them until its own hook, so that one must come later in the same pass; the other way round, a
// downstream Python operator would still hold the GIL while the upstream one waits on a full output,
// and every Python thread of the process would stop (a deadlock found by a chain of map ->
// assign_timestamps_and_watermarks -> key_by, each with Python in it).
//
// Threading: the hooks are the calling thread's own (thread-local); an operator registers on its task
// thread (in open) and unregisters there (in close or its destructor).
#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

namespace weir::runtime {

namespace detail {
struct BatchEndHook {
  const void* owner;
  int position;
  std::function<void()> run;
};
inline std::vector<BatchEndHook>& batch_end_hooks() {
  thread_local std::vector<BatchEndHook> hooks;
  return hooks;
}
}  // namespace detail

//! Registers `hook` for `owner` at chain position `position` (OperatorRuntime::chain_position).
inline void add_batch_end_hook(const void* owner, int position, std::function<void()> hook) {
  auto& hooks = detail::batch_end_hooks();
  auto at = std::upper_bound(hooks.begin(), hooks.end(), position,
                             [](int p, const detail::BatchEndHook& h) { return p < h.position; });
  hooks.insert(at, detail::BatchEndHook{owner, position, std::move(hook)});
}

inline void remove_batch_end_hook(const void* owner) {
  auto& hooks = detail::batch_end_hooks();
  hooks.erase(std::remove_if(hooks.begin(), hooks.end(), [owner](const auto& h) { return h.owner == owner; }),
              hooks.end());
}

//! Runs every hook of this thread, upstream operators first.
inline void run_batch_end_hooks() {
  auto& hooks = detail::batch_end_hooks();
  for (size_t i = 0; i < hooks.size(); ++i) hooks[i].run();
}

}  // namespace weir::runtime
