#pragma once
// The in-flight windows of one key under a merging assigner (sessions), after Flink's
// MergingWindowSet. Each window maps to its state window: the namespace where its contents live.
// When windows merge, the result takes over one of their state windows and the others' state is
// merged into it, so merging never copies the kept window's contents.
//
// The mapping is a vector sorted by window (the order it is persisted in): a key has a handful of
// windows in flight, so a sorted vector beats a tree, and it moves in and out of keyed state whole.
// The operator keeps one set and reloads it for each key (reset), changes it, and persists it back.
// Threading: task thread only.
#include <algorithm>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/api/windowing/time_window.h"
#include "weir/api/windowing/window_assigner.h"
#include "weir/common/error.h"

namespace weir::windowing {

template <typename W>
class MergingWindowSet {
 public:
  using Mapping = std::vector<std::pair<W, W>>;

  //! Takes the mapping of another key from `read(Mapping&)` (which returns false when the key has none),
  //! reading into this set's own buffer.
  template <typename Read>
  void load(Read&& read) {
    if (!read(mapping_)) mapping_.clear();
    if (!std::is_sorted(mapping_.begin(), mapping_.end(), by_window))
      std::sort(mapping_.begin(), mapping_.end(), by_window);
    changed_ = false;
  }

  //! The window whose namespace holds `w`'s contents, or null when `w` is not in flight.
  const W* state_window(const W& w) const {
    auto it = find(w);
    return it == mapping_.end() ? nullptr : &it->second;
  }
  //! The in-flight window whose contents live in state window `s`, or null when none does.
  const W* window_of_state(const W& s) const {
    for (const auto& [w, state] : mapping_)
      if (state == s) return &w;
    return nullptr;
  }
  //! Forgets a window that was purged for good (or that is late on arrival).
  void retire_window(const W& w) {
    auto it = find(w);
    if (it == mapping_.end()) throw WeirError("internal: window is not in the merging window set");
    mapping_.erase(it);
    changed_ = true;
  }

  //! Adds `w` and merges it with the windows it overlaps (assigner.merge_windows decides). Returns the window
  //! `w` ended up in. For every merge, calls merge_fn(result, merged windows (without `w`), result's state
  //! window, state windows to merge into it) before returning; the callback moves state and clears the merged
  //! windows' triggers.
  template <typename Assigner, typename MergeFn>
  W add_window(const W& w, const Assigner& assigner, MergeFn&& merge_fn) {
    if constexpr (std::is_same_v<W, TimeWindow>) {
      if (merges_intersecting(assigner)) return add_intersecting(w, merge_fn);
    }
    // Already in flight: the mapped windows are disjoint, so there is nothing to merge.
    if (find(w) != mapping_.end()) return w;
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
      auto front = find(merged.front());
      if (front == mapping_.end()) throw WeirError("internal: merged window is not in flight");
      W kept_state = front->second;
      std::vector<W> merged_state;
      for (const auto& m : merged) {
        auto it = find(m);
        if (it == mapping_.end()) continue;
        if (!(it->second == kept_state)) merged_state.push_back(it->second);
        mapping_.erase(it);
      }
      put(merge_result, kept_state);
      // A new window inside one existing window extends nothing: no state to move.
      if (!(merged.size() == 1 && merged.front() == merge_result))
        merge_fn(merge_result, merged, kept_state, merged_state);
    }
    if (merges.empty() || (result == w && !merged_new)) put(result, result);
    return result;
  }

  bool changed() const { return changed_; }
  const Mapping& mapping() const { return mapping_; }
  size_t size() const { return mapping_.size(); }

 private:
  //! The assigner's kMergesIntersectingTimeWindows, through the operator's type-erased view or not.
  template <typename Assigner>
  static bool merges_intersecting(const Assigner& a) {
    if constexpr (requires { a.merges_intersecting_time_windows(); }) {
      return a.merges_intersecting_time_windows();
    } else if constexpr (requires { Assigner::kMergesIntersectingTimeWindows; }) {
      return Assigner::kMergesIntersectingTimeWindows;
    } else {
      return false;
    }
  }
  static bool by_window(const std::pair<W, W>& a, const std::pair<W, W>& b) { return a.first < b.first; }

  //! Where `w` is, or would be inserted, in the sorted mapping.
  typename Mapping::iterator position(const W& w) {
    return std::lower_bound(mapping_.begin(), mapping_.end(), w,
                            [](const std::pair<W, W>& e, const W& x) { return e.first < x; });
  }
  typename Mapping::iterator find(const W& w) {
    auto it = position(w);
    return it != mapping_.end() && it->first == w ? it : mapping_.end();
  }
  typename Mapping::const_iterator find(const W& w) const {
    return const_cast<MergingWindowSet*>(this)->find(w);
  }

  void put(const W& w, const W& state) {
    auto it = position(w);
    if (it != mapping_.end() && it->first == w) {
      it->second = state;
    } else {
      mapping_.insert(it, {w, state});
    }
    changed_ = true;
  }

  // add_window for assigners whose merge_windows is TimeWindow::merge_windows (sessions): windows merge when
  // they intersect (overlap or touch). The in-flight windows then never intersect one another, so sorted by
  // start they are sorted by end too, and the ones `w` intersects are one run. Same results, state windows
  // and callbacks as the general path, without building the list of windows and its merge groups.
  template <typename MergeFn>
  W add_intersecting(const W& w, MergeFn& merge_fn) {
    auto first = std::partition_point(mapping_.begin(), mapping_.end(),
                                      [&](const std::pair<W, W>& e) { return e.first.end < w.start; });
    auto last = first;
    W result = w;
    while (last != mapping_.end() && last->first.start <= w.end) {
      result = result.cover(last->first);
      ++last;
    }
    if (first == last) {  // a window of its own
      mapping_.insert(first, {w, w});
      changed_ = true;
      return w;
    }
    if (last - first == 1 && result == first->first) return result;  // inside one window: nothing changes
    merged_.clear();
    merged_state_.clear();
    W kept_state = first->second;
    for (auto it = first; it != last; ++it) {
      merged_.push_back(it->first);
      if (!(it->second == kept_state)) merged_state_.push_back(it->second);
    }
    first->first = result;
    first->second = kept_state;
    mapping_.erase(first + 1, last);
    changed_ = true;
    merge_fn(result, merged_, kept_state, merged_state_);
    return result;
  }

  Mapping mapping_;
  bool changed_ = false;
  std::vector<W> merged_;        // scratch of add_intersecting
  std::vector<W> merged_state_;  // scratch of add_intersecting
};

}  // namespace weir::windowing
