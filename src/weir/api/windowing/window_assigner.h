#pragma once
// The window operator's view of a window assigner. Assigners (TumblingEventTimeWindows, ...) are plain
// value classes with the members AssignerAdapter uses:
//   using Window;  static constexpr bool kEventTime, kMerging;  static constexpr const char* kName;
//   template <typename T> void assign_windows(const T& e, Timestamp ts, Timestamp now, std::vector<Window>&)
//   const; auto default_trigger() const; merges merge_windows(const std::vector<Window>&) const;   (merging
//   assigners only); optionally static constexpr bool kMergesIntersectingTimeWindows (merge_windows is
//   TimeWindow::merge_windows).
// The adapter erases the assigner's type so that WindowedStream<T, K, W> need not carry it.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "weir/api/windowing/trigger.h"

namespace weir::windowing {

//! Result of merging windows: (merge result, the windows merged into it) for each group of two or more.
template <typename W>
using WindowMerges = std::vector<std::pair<W, std::vector<W>>>;

template <typename T, typename W>
class InternalWindowAssigner {
 public:
  virtual ~InternalWindowAssigner() = default;
  //! Appends the windows of element `e` with event timestamp `ts`; `now` is the task's processing time.
  virtual void assign_windows(const T& e, Timestamp ts, Timestamp now, std::vector<W>& out) const = 0;
  virtual bool is_event_time() const = 0;
  virtual bool is_merging() const = 0;
  virtual WindowMerges<W> merge_windows(const std::vector<W>& windows) const = 0;
  //! True when merge_windows merges the windows that intersect (TimeWindow::merge_windows, as sessions do):
  //! MergingWindowSet then finds them without asking merge_windows.
  virtual bool merges_intersecting_time_windows() const { return false; }
  virtual std::unique_ptr<Trigger<T, W>> default_trigger() const = 0;
  virtual std::string name() const = 0;
  //! Pane sharing: true when each element's windows are made of whole panes of `slide` (sliding
  //! windows); sets `pane` to the element's pane and `size` / `slide` to the windows' ones.
  virtual bool pane_of(Timestamp, W& /*pane*/, int64_t& /*size*/, int64_t& /*slide*/) const { return false; }
};

template <typename T, typename A>
class AssignerAdapter final : public InternalWindowAssigner<T, typename A::Window> {
  using W = typename A::Window;

 public:
  explicit AssignerAdapter(A a) : a_(std::move(a)) {}
  void assign_windows(const T& e, Timestamp ts, Timestamp now, std::vector<W>& out) const override {
    a_.assign_windows(e, ts, now, out);
  }
  bool is_event_time() const override { return A::kEventTime; }
  bool is_merging() const override { return A::kMerging; }
  WindowMerges<W> merge_windows(const std::vector<W>& windows) const override {
    if constexpr (A::kMerging) {
      return a_.merge_windows(windows);
    } else {
      return {};
    }
  }
  bool merges_intersecting_time_windows() const override {
    if constexpr (requires { A::kMergesIntersectingTimeWindows; }) {
      return A::kMergesIntersectingTimeWindows;
    } else {
      return false;
    }
  }
  std::unique_ptr<Trigger<T, W>> default_trigger() const override {
    return make_trigger<T, W>(a_.default_trigger());
  }
  std::string name() const override { return A::kName; }
  bool pane_of(Timestamp ts, W& pane, int64_t& size, int64_t& slide) const override {
    if constexpr (requires { a_.pane_of(ts, pane); }) {
      size = a_.size();
      slide = a_.slide();
      return a_.pane_of(ts, pane);
    } else {
      return false;
    }
  }

 private:
  A a_;
};

}  // namespace weir::windowing
