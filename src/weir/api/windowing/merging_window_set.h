#pragma once
// The in-flight windows of one key under a merging assigner (sessions), after Flink's
// MergingWindowSet. Each window maps to its state window: the namespace where its contents live.
// When windows merge, the result takes over one of their state windows and the others' state is
// merged into it, so merging never copies the kept window's contents.
//
// The operator loads it from keyed state for the current key, changes it, and persists it back.
// Threading: task thread only.
#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "weir/api/windowing/window_assigner.h"
#include "weir/common/error.h"

namespace weir::windowing {

template <typename W>
class MergingWindowSet {
 public:
  using Mapping = std::vector<std::pair<W, W>>;

  explicit MergingWindowSet(const Mapping& m) : mapping_(m.begin(), m.end()) {}

  //! The window whose namespace holds `w`'s contents, or null when `w` is not in flight.
  const W* state_window(const W& w) const {
    auto it = mapping_.find(w);
    return it == mapping_.end() ? nullptr : &it->second;
  }
  //! Forgets a window that was purged for good (or that is late on arrival).
  void retire_window(const W& w) {
    if (mapping_.erase(w) == 0) throw WeirError("internal: window is not in the merging window set");
    changed_ = true;
  }

  //! Adds `w` and merges it with the windows it overlaps (assigner.merge_windows decides). Returns the window
  //! `w` ended up in. For every merge, calls merge_fn(result, merged windows (without `w`), result's state
  //! window, state windows to merge into it) before returning; the callback moves state and clears the merged
  //! windows' triggers.
  template <typename Assigner, typename MergeFn>
  W add_window(const W& w, const Assigner& assigner, MergeFn&& merge_fn) {
    // Already in flight: the mapped windows are disjoint, so there is nothing to merge.
    if (mapping_.count(w)) return w;
    std::vector<W> windows;
    windows.reserve(mapping_.size() + 1);
    for (const auto& [k, v] : mapping_) windows.push_back(k);
    windows.push_back(w);

    W result = w;
    bool merged_new = false;
    auto merges = assigner.merge_windows(windows);
    for (auto& [merge_result, merged] : merges) {
      if (auto pos = std::find(merged.begin(), merged.end(), w); pos != merged.end()) {
        merged.erase(pos);
        merged_new = true;
        result = merge_result;
      }
      if (merged.empty()) continue;
      W kept_state = mapping_.at(merged.front());
      std::vector<W> merged_state;
      for (const auto& m : merged) {
        auto it = mapping_.find(m);
        if (it == mapping_.end()) continue;
        if (!(it->second == kept_state)) merged_state.push_back(it->second);
        mapping_.erase(it);
      }
      mapping_[merge_result] = kept_state;
      changed_ = true;
      // A new window inside one existing window extends nothing: no state to move.
      if (!(merged.size() == 1 && merged.front() == merge_result))
        merge_fn(merge_result, merged, kept_state, merged_state);
    }
    if (merges.empty() || (result == w && !merged_new)) {
      mapping_[result] = result;
      changed_ = true;
    }
    return result;
  }

  bool changed() const { return changed_; }
  Mapping to_vector() const { return Mapping(mapping_.begin(), mapping_.end()); }
  size_t size() const { return mapping_.size(); }

 private:
  std::map<W, W> mapping_;
  bool changed_ = false;
};

}  // namespace weir::windowing
