#pragma once
// WindowedStream<T, K, W>: a keyed stream cut into windows W, before its window function is chosen.
//   stream.key_by(f).window(TumblingEventTimeWindows::of(60'000))
//       .allowed_lateness(5'000).side_output_late_data(late_tag)
//       .reduce([](const Bid& a, const Bid& b) { ... });
// reduce and aggregate keep one value per window and key (incremental); process keeps every element.
// Also defines KeyedStream::window and KeyedStream::count_window.
#include <memory>
#include <string>
#include <type_traits>

#include "weir/api/data_stream.h"
#include "weir/api/keyed_stream.h"
#include "weir/api/windowing/continuous_event_time_trigger.h"
#include "weir/api/windowing/count_evictor.h"
#include "weir/api/windowing/count_trigger.h"
#include "weir/api/windowing/event_time_trigger.h"
#include "weir/api/windowing/global_windows.h"
#include "weir/api/windowing/process_window_function.h"
#include "weir/api/windowing/processing_time_trigger.h"
#include "weir/api/windowing/purging_trigger.h"
#include "weir/api/windowing/session_windows.h"
#include "weir/api/windowing/sliding_aggregate_operator.h"
#include "weir/api/windowing/sliding_windows.h"
#include "weir/api/windowing/tumbling_windows.h"
#include "weir/api/windowing/window_functions.h"
#include "weir/api/windowing/window_operator.h"

namespace weir {

namespace detail {
template <typename F>
concept WindowProcessFunction = requires {
  typename F::Out;
  typename F::Window;
  typename F::Key;
};
template <typename F>
concept WindowAggregateFunction = requires {
  typename F::Acc;
  typename F::Out;
};
}  // namespace detail

template <typename T, typename K, typename W>
class WindowedStream {
 public:
  WindowedStream(KeyedStream<T, K> input,
                 std::shared_ptr<const windowing::InternalWindowAssigner<T, W>> assigner)
      : input_(std::move(input)) {
    spec_.assigner = std::move(assigner);
  }

  //! Replaces the assigner's default trigger: a built-in (CountTrigger::of(n), ...) or a Trigger<T, W>.
  template <typename Tr>
  WindowedStream& trigger(Tr t) {
    spec_.trigger = [t] { return windowing::make_trigger<T, W>(t); };
    return *this;
  }
  //! Keeps event-time windows `ms` past their end; late elements in that time fire the window again.
  WindowedStream& allowed_lateness(int64_t ms) {
    if (ms < 0) throw JobDefinitionError("allowed lateness must not be negative, got " + std::to_string(ms));
    spec_.allowed_lateness = ms;
    return *this;
  }
  //! Elements that arrive after their windows' allowed lateness go to this side output of the result.
  WindowedStream& side_output_late_data(const OutputTag<T>& tag) {
    spec_.late_data_tag = tag.id;
    return *this;
  }
  //! Keeps only the last n elements of a window when it fires (Flink's CountEvictor, before the function).
  WindowedStream& evictor(const CountEvictor& e) {
    spec_.evictor_keep = e.max_count();
    return *this;
  }

  //! reduce(f) with f(const T&, const T&) -> T or a ReduceFunction<T>: one value per window.
  template <typename F>
  requires(!detail::WindowProcessFunction<F>)
      DataStream<T> reduce(F f, const std::string& name = "Window(Reduce)") {
    using Emit = windowing::EmitValue<T>;
    if (spec_.evictor_keep > 0)
      return build<T>(name, windowing::ListContents<T>(spec_.evictor_keep),
                      windowing::ReduceList<T, F, Emit>{f, {}});
    return build<T>(name, windowing::ReducingContents<T, F>(f), Emit{});
  }
  //! Incremental reduce, then `pwf` sees the window's one reduced value with its window and key.
  template <typename F, detail::WindowProcessFunction PWF>
  DataStream<typename PWF::Out> reduce(F f, PWF pwf, const std::string& name = "Window(Reduce, Process)") {
    using Then = windowing::ProcessValue<PWF>;
    if (spec_.evictor_keep > 0)
      return build<typename PWF::Out>(name, windowing::ListContents<T>(spec_.evictor_keep),
                                      windowing::ReduceList<T, F, Then>{f, Then{pwf, {}}});
    return build<typename PWF::Out>(name, windowing::ReducingContents<T, F>(f), Then{pwf, {}});
  }
  //! aggregate(agg) with agg deriving from AggregateFunction<T, ACC, OUT>: one accumulator per window.
  template <detail::WindowAggregateFunction Agg>
  DataStream<typename Agg::Out> aggregate(Agg agg, const std::string& name = "Window(Aggregate)") {
    using Emit = windowing::EmitValue<typename Agg::Out>;
    if (spec_.evictor_keep > 0)
      return build<typename Agg::Out>(name, windowing::ListContents<T>(spec_.evictor_keep),
                                      windowing::AggregateList<Agg, Emit>{agg, {}});
    return build_aggregate<typename Agg::Out>(name, agg, Emit{});
  }
  template <detail::WindowAggregateFunction Agg, detail::WindowProcessFunction PWF>
  DataStream<typename PWF::Out> aggregate(Agg agg, PWF pwf,
                                          const std::string& name = "Window(Aggregate, Process)") {
    using Then = windowing::ProcessValue<PWF>;
    if (spec_.evictor_keep > 0)
      return build<typename PWF::Out>(name, windowing::ListContents<T>(spec_.evictor_keep),
                                      windowing::AggregateList<Agg, Then>{agg, Then{pwf, {}}});
    return build_aggregate<typename PWF::Out>(name, agg, Then{pwf, {}});
  }
  //! process(pwf) with pwf deriving from ProcessWindowFunction<T, OUT, K, W>: all elements of the window.
  template <detail::WindowProcessFunction PWF>
  DataStream<typename PWF::Out> process(PWF pwf, const std::string& name = "Window(Process)") {
    static_assert(std::is_same_v<typename PWF::In, T> && std::is_same_v<typename PWF::Key, K> &&
                      std::is_same_v<typename PWF::Window, W>,
                  "process() needs a ProcessWindowFunction<T, OUT, K, W> of the stream's element, key and "
                  "window types");
    return build<typename PWF::Out>(name, windowing::ListContents<T>(spec_.evictor_keep),
                                    windowing::ProcessList<PWF>{pwf});
  }

 private:
  //! An aggregate without evictor: sliding event-time windows with the default trigger and no allowed
  //! lateness run on SlidingAggregateOperator (same results, no timer or state entry per key and window);
  //! everything else on WindowOperator.
  template <typename OUT, typename Agg, typename Fn>
  DataStream<OUT> build_aggregate(const std::string& name, Agg agg, Fn fn) {
    if (windowing::can_use_sliding_aggregate<K, T, W, typename Agg::Acc>(
            *spec_.assigner, !spec_.trigger, spec_.allowed_lateness, spec_.evictor_keep)) {
      if constexpr (std::is_same_v<W, TimeWindow> && windowing::PaneKey<K>) {
        auto assigner = spec_.assigner;
        auto late_tag = spec_.late_data_tag;
        auto key_fn = input_.key_selector();
        std::string full = name + " " + assigner->name();
        return input_.stream().template transform<OUT>(full, [assigner, key_fn, agg, fn, late_tag] {
          return std::make_unique<windowing::SlidingAggregateOperator<K, T, Agg, Fn>>(assigner, key_fn, agg,
                                                                                      fn, late_tag);
        });
      }
    }
    return build<OUT>(name, windowing::AggregatingContents<T, Agg>(agg), fn);
  }

  template <typename OUT, typename Contents, typename Fn>
  DataStream<OUT> build(const std::string& name, Contents contents, Fn fn) {
    static_assert(std::is_same_v<typename Fn::Out, OUT>);
    auto spec = spec_;
    auto key_fn = input_.key_selector();
    std::string full = name + " " + spec.assigner->name();
    return input_.stream().template transform<OUT>(full, [spec, key_fn, contents, fn] {
      return std::make_unique<windowing::WindowOperator<K, T, W, Contents, Fn>>(spec, key_fn, contents, fn);
    });
  }

  KeyedStream<T, K> input_;
  windowing::WindowSpec<T, W> spec_;
};

template <typename T, typename K>
template <typename Assigner>
WindowedStream<T, K, typename Assigner::Window> KeyedStream<T, K>::window(Assigner assigner) {
  using W = typename Assigner::Window;
  auto adapter = std::make_shared<const windowing::AssignerAdapter<T, Assigner>>(std::move(assigner));
  return WindowedStream<T, K, W>(*this, std::move(adapter));
}

template <typename T, typename K>
auto KeyedStream<T, K>::count_window(int64_t size, int64_t slide) {
  if (size <= 0)
    throw JobDefinitionError("count_window needs a size of at least 1, got " + std::to_string(size));
  if (slide < 0)
    throw JobDefinitionError("count_window needs a non-negative slide, got " + std::to_string(slide));
  auto ws = window(GlobalWindows::create());
  if (slide == 0) {
    ws.trigger(PurgingTrigger::of(CountTrigger::of(size)));
  } else {
    // As Flink's countWindow(size, slide): fire every `slide` elements over the last `size`.
    ws.evictor(CountEvictor::of(size)).trigger(CountTrigger::of(slide));
  }
  return ws;
}

}  // namespace weir
