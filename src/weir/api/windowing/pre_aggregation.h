#pragma once
// Pre-aggregation of window aggregates (WindowedStream::pre_aggregate): what travels from the local
// operator (LocalWindowAggregateOperator, before the keyed exchange) to the window operator after it,
// and the pieces that let that WindowOperator take partial accumulators instead of elements.
//
//   PreAggregated<K, Acc>       a key, a window and the accumulator of the elements folded into it there
//   PreAggregatedAssigner       the global side's assigner: a partial's window is the one it carries
//   MergePreAggregated<Agg, P>  the global side's AggregateFunction: add(partial) = Agg::merge
//   PreAggregatedTrigger        a trigger on partials from a trigger that does not look at elements
//
// Threading: values and functions only; the operators that use them run on their task thread.
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/api/windowing/event_time_trigger.h"
#include "weir/api/windowing/processing_time_trigger.h"
#include "weir/api/windowing/time_window.h"
#include "weir/api/windowing/trigger.h"
#include "weir/api/windowing/window_assigner.h"
#include "weir/common/serializer.h"
#include "weir/state/state_descriptor.h"

namespace weir {

//! When WindowedStream::pre_aggregate's local operator sends its partials on, besides before watermarks that
//! advance, barriers, the end of input and when its table is full.
enum class PreAggregateHold {
  //! Also at the end of every batch of its task, except with event time and the default trigger (no result
  //! can come before the next watermark, so waiting for it delays none).
  kAuto,
  //! Never at a batch end: partials wait for the next watermark (pipeline.auto-watermark-interval) even
  //! where results could come sooner. With processing time a partial that waited past its window's end
  //! goes into the current window, so up to one watermark interval of elements lands in the next window
  //! (Flink's mini-batch `allow-latency` makes the same trade).
  kUntilWatermark,
};

}  // namespace weir

namespace weir::windowing {

//! The accumulator of some elements of key `key` in window `window`, folded before the keyed exchange.
//! For merging windows (sessions) `window` is the cover of those elements' windows.
template <typename K, typename Acc>
struct PreAggregated {
  K key{};
  TimeWindow window;
  Acc acc{};
};

//! What a trigger sees as the element when windows hold partial accumulators: nothing of the elements.
//! Only triggers that do not read their element (the built-in ones, or any class with a templated
//! on_element) can run after pre-aggregation.
struct PreAggregatedElement {};

//! Trigger<P, W> running a trigger made for PreAggregatedElement (the element type is all that differs).
template <typename P, typename W>
class PreAggregatedTrigger final : public Trigger<P, W> {
 public:
  explicit PreAggregatedTrigger(std::unique_ptr<Trigger<PreAggregatedElement, W>> inner)
      : inner_(std::move(inner)) {}
  TriggerResult on_element(const P&, Timestamp ts, const W& w, TriggerContext& ctx) override {
    return inner_->on_element(PreAggregatedElement{}, ts, w, ctx);
  }
  TriggerResult on_event_time(Timestamp time, const W& w, TriggerContext& ctx) override {
    return inner_->on_event_time(time, w, ctx);
  }
  TriggerResult on_processing_time(Timestamp time, const W& w, TriggerContext& ctx) override {
    return inner_->on_processing_time(time, w, ctx);
  }
  bool can_merge() const override { return inner_->can_merge(); }
  void on_merge(const W& w, OnMergeContext& ctx) override { inner_->on_merge(w, ctx); }
  void clear(const W& w, TriggerContext& ctx) override { inner_->clear(w, ctx); }
  bool acts_on_first_element_only() const override { return inner_->acts_on_first_element_only(); }

 private:
  std::unique_ptr<Trigger<PreAggregatedElement, W>> inner_;
};

//! The global side's assigner: each partial goes to the window it carries; merging and the default
//! trigger are the original assigner's (whose default must be EventTimeTrigger or ProcessingTimeTrigger,
//! checked by WindowedStream::pre_aggregate).
template <typename T, typename P>
class PreAggregatedAssigner final : public InternalWindowAssigner<P, TimeWindow> {
 public:
  explicit PreAggregatedAssigner(std::shared_ptr<const InternalWindowAssigner<T, TimeWindow>> original)
      : original_(std::move(original)), event_time_(original_->is_event_time()) {}
  //! Processing time (tumbling windows only, WindowedStream::pre_aggregate checks): a partial whose window
  //! ended on this operator's clock before it arrived goes into the window of the same size that holds the
  //! current time, as its elements would have without pre-aggregation; the ended window fired already.
  void assign_windows(const P& p, Timestamp, Timestamp now, std::vector<TimeWindow>& out) const override {
    if (!event_time_ && p.window.max_timestamp() < now) {
      const int64_t size = p.window.end - p.window.start;
      const Timestamp start = TimeWindow::start_with_offset(now, p.window.start, size);
      out.push_back({start, start + size});
      return;
    }
    out.push_back(p.window);
  }
  bool is_event_time() const override { return original_->is_event_time(); }
  bool is_merging() const override { return original_->is_merging(); }
  WindowMerges<TimeWindow> merge_windows(const std::vector<TimeWindow>& windows) const override {
    return original_->merge_windows(windows);
  }
  bool merges_intersecting_time_windows() const override {
    return original_->merges_intersecting_time_windows();
  }
  std::unique_ptr<Trigger<P, TimeWindow>> default_trigger() const override {
    if (original_->is_event_time()) return make_trigger<P, TimeWindow>(EventTimeTrigger{});
    return make_trigger<P, TimeWindow>(ProcessingTimeTrigger{});
  }
  std::string name() const override { return original_->name(); }

 private:
  std::shared_ptr<const InternalWindowAssigner<T, TimeWindow>> original_;
  bool event_time_;
};

//! True when `a`'s default trigger is the time trigger of its kind (what PreAggregatedAssigner gives).
template <typename T>
bool has_time_default_trigger(const InternalWindowAssigner<T, TimeWindow>& a) {
  auto t = a.default_trigger();
  if (a.is_event_time())
    return dynamic_cast<TriggerHolder<T, TimeWindow, EventTimeTrigger>*>(t.get()) != nullptr;
  return dynamic_cast<TriggerHolder<T, TimeWindow, ProcessingTimeTrigger>*>(t.get()) != nullptr;
}

//! The global side's aggregate: folds partial accumulators with Agg::merge (earlier partials first).
template <typename Agg, typename P>
class MergePreAggregated final : public AggregateFunction<P, typename Agg::Acc, typename Agg::Out> {
 public:
  explicit MergePreAggregated(Agg agg) : agg_(std::move(agg)) {}
  typename Agg::Acc create_accumulator() override { return agg_.create_accumulator(); }
  typename Agg::Acc add(const P& p, typename Agg::Acc acc) override {
    return agg_.merge(std::move(acc), p.acc);
  }
  typename Agg::Out get_result(const typename Agg::Acc& acc) override { return agg_.get_result(acc); }
  typename Agg::Acc merge(typename Agg::Acc a, typename Agg::Acc b) override {
    return agg_.merge(std::move(a), std::move(b));
  }

 private:
  Agg agg_;
};

}  // namespace weir::windowing

namespace weir {

template <typename K, typename Acc>
struct Serializer<windowing::PreAggregated<K, Acc>> {
  using P = windowing::PreAggregated<K, Acc>;
  static void write(DataOutput& out, const P& p) {
    Serializer<K>::write(out, p.key);
    Serializer<TimeWindow>::write(out, p.window);
    Serializer<Acc>::write(out, p.acc);
  }
  static P read(DataInput& in) {
    P p;
    read_into(in, p);
    return p;
  }
  static void read_into(DataInput& in, P& p) {
    weir::read_into(in, p.key);
    weir::read_into(in, p.window);
    weir::read_into(in, p.acc);
  }
};

}  // namespace weir
