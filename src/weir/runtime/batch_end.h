#pragma once
// Hooks a task thread runs when it is done with a batch of work: a source batch or an input buffer,
// before it flushes outputs, waits, takes mail or fires timers. Operators that amortize a per-record cost
// over a batch register one (the Python operators keep the GIL across the records of a batch and send
// their results downstream here, after releasing it).
//
// Threading: the hooks are the calling thread's own (thread-local); an operator registers on its task
// thread (in open) and unregisters there (in close or its destructor).
#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

namespace weir::runtime {

namespace detail {
inline std::vector<std::pair<const void*, std::function<void()>>>& batch_end_hooks() {
  thread_local std::vector<std::pair<const void*, std::function<void()>>> hooks;
  return hooks;
}
}  // namespace detail

inline void add_batch_end_hook(const void* owner, std::function<void()> hook) {
  detail::batch_end_hooks().emplace_back(owner, std::move(hook));
}

inline void remove_batch_end_hook(const void* owner) {
  auto& hooks = detail::batch_end_hooks();
  hooks.erase(std::remove_if(hooks.begin(), hooks.end(), [owner](const auto& h) { return h.first == owner; }),
              hooks.end());
}

//! Runs every hook of this thread, in registration order (head of a chain first).
inline void run_batch_end_hooks() {
  auto& hooks = detail::batch_end_hooks();
  for (size_t i = 0; i < hooks.size(); ++i) hooks[i].second();
}

}  // namespace weir::runtime
