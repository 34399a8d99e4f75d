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
#include "weir/api/windowing/local_window_aggregate_operator.h"
#include "weir/api/windowing/pre_aggregation.h"
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
    if constexpr (std::is_base_of_v<Trigger<T, W>, Tr>) {
      elementless_trigger_ = nullptr;  // a Trigger<T, W> sees elements: it cannot run on partials
    } else {
      elementless_trigger_ = [t] { return windowing::make_trigger<windowing::PreAggregatedElement, W>(t); };
    }
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

  //! Folds elements into one accumulator per key and window before the keyed exchange (Flink SQL's
  //! local-global aggregation): an operator chained to the stream's producer keeps partial accumulators
  //! (at most `max_entries` of them) and sends them on before every watermark that advances, barrier and
  //! the end of input (and, with processing time or a trigger given to trigger(), at the end of every
  //! batch of its task); the window operator after the exchange merges them with the AggregateFunction's
  //! merge. Hot keys then cost the exchange and the keyed state one partial per watermark interval (or
  //! batch) instead of one access per element. Results are the same as without it, except that
  //! processing-time windows are assigned when elements reach the local operator.
  //! For aggregate() on event-time windows (tumbling, sliding, sessions) and processing-time tumbling
  //! ones (a partial that arrives after its window ended goes into the current one), without evictor or
  //! late-data side output, with the assigner's trigger or one that acts on a window's first element only
  //! and does not read it (as the time triggers do; a CountTrigger would count partials). Checked when
  //! aggregate() is called: JobDefinitionError names what does not fit.
  //! `hold`: whether partials also go on at the end of every batch (PreAggregateHold, pre_aggregation.h).
  WindowedStream& pre_aggregate(int64_t max_entries = 1024, PreAggregateHold hold = PreAggregateHold::kAuto) {
    if (max_entries < 1 || max_entries > (1 << 20))
      throw JobDefinitionError("pre_aggregate: max_entries must be in 1..1048576, got " +
                               std::to_string(max_entries));
    pre_aggregate_entries_ = static_cast<size_t>(max_entries);
    pre_aggregate_hold_ = hold;
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
    if (pre_aggregate_entries_ > 0) return build_pre_aggregated<OUT>(name, std::move(agg), std::move(fn));
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

  //! The local operator before the exchange and the window operator on partials after it.
  template <typename OUT, typename Agg, typename Fn>
  DataStream<OUT> build_pre_aggregated(const std::string& name, Agg agg, Fn fn) {
    if constexpr (!std::is_same_v<W, TimeWindow>) {
      throw JobDefinitionError("operator '" + name +
                               "': pre_aggregate() needs time windows (tumbling, sliding " +
                               "or sessions), not " + spec_.assigner->name());
    } else {
      using P = windowing::PreAggregated<K, typename Agg::Acc>;
      const std::string refuse = "operator '" + name + "': pre_aggregate() ";
      if (spec_.evictor_keep > 0) throw JobDefinitionError(refuse + "cannot be used with an evictor");
      if (!spec_.assigner->is_event_time() && spec_.assigner->name() != TumblingProcessingTimeWindows::kName)
        throw JobDefinitionError(refuse + "supports processing time on tumbling windows only, not " +
                                 spec_.assigner->name() + " (a partial that arrives after its window ended " +
                                 "moves to the current window, which only a tumbling window has one of)");
      if (!spec_.late_data_tag.empty())
        throw JobDefinitionError(refuse + "cannot be used with side_output_late_data (the window operator " +
                                 "sees partial aggregates, not the late elements)");
      windowing::WindowSpec<P, TimeWindow> global;
      if (spec_.trigger) {
        if (!elementless_trigger_)
          throw JobDefinitionError(
              refuse + "needs a trigger that does not read elements: a Trigger<T, W> " +
              "subclass does; write it with a templated on_element, like the built-in ones");
        if (!elementless_trigger_()->acts_on_first_element_only())
          throw JobDefinitionError(
              refuse + "needs a trigger that acts on a window's first element only " +
              "(Trigger::acts_on_first_element_only): the window operator sees partial " +
              "aggregates, so a trigger that counts elements would count those");
        auto make = elementless_trigger_;
        global.trigger = [make] {
          return std::make_unique<windowing::PreAggregatedTrigger<P, TimeWindow>>(make());
        };
      } else if (!windowing::has_time_default_trigger(*spec_.assigner)) {
        throw JobDefinitionError(refuse + "needs an assigner whose default trigger is EventTimeTrigger or " +
                                 "ProcessingTimeTrigger; " + spec_.assigner->name() + " has another");
      }
      global.assigner = std::make_shared<const windowing::PreAggregatedAssigner<T, P>>(spec_.assigner);
      global.allowed_lateness = spec_.allowed_lateness;

      // The local operator takes the stream as key_by found it, so that it chains to the producer.
      auto ups = input_.stream().upstreams();
      for (auto& u : ups) u.partitioner = runtime::PartitionerSpec{};
      DataStream<T> unkeyed(input_.stream().get_execution_environment(), std::move(ups));
      auto assigner = spec_.assigner;
      auto key_fn = input_.key_selector();
      size_t entries = pre_aggregate_entries_;
      const bool hold = pre_aggregate_hold_ == PreAggregateHold::kUntilWatermark ||
                        (spec_.assigner->is_event_time() && !spec_.trigger);
      DataStream<P> local = unkeyed.template transform<P>(
          name + " (local pre-aggregation)", [assigner, key_fn, agg, entries, hold] {
            return std::make_unique<windowing::LocalWindowAggregateOperator<T, K, Agg>>(assigner, key_fn, agg,
                                                                                        entries, hold);
          });
      auto& graph = unkeyed.get_execution_environment()->stream_graph();
      // Its operator id derives from the window operator's (graph::StreamNode::helper), which keeps the
      // id it has without pre-aggregation: savepoints of the job without it restore into the job with it.
      graph.make_last_a_helper();
      if (input_.stream().upstreams().size() == 1)
        graph.node(local.upstreams()[0].node).parallelism =
            graph.node(input_.stream().upstreams()[0].node).parallelism;

      auto keyed = local.key_by([](const P& p) { return p.key; });
      using Contents = windowing::AggregatingContents<P, windowing::MergePreAggregated<Agg, P>>;
      Contents contents{windowing::MergePreAggregated<Agg, P>(agg)};
      std::function<K(const P&)> global_key = [](const P& p) { return p.key; };
      std::string full = name + " " + spec_.assigner->name();
      return keyed.stream().template transform<OUT>(full, [global, global_key, contents, fn] {
        return std::make_unique<windowing::WindowOperator<K, P, TimeWindow, Contents, Fn>>(global, global_key,
                                                                                           contents, fn);
      });
    }
  }

  template <typename OUT, typename Contents, typename Fn>
  DataStream<OUT> build(const std::string& name, Contents contents, Fn fn) {
    static_assert(std::is_same_v<typename Fn::Out, OUT>);
    if (pre_aggregate_entries_ > 0)
      throw JobDefinitionError("operator '" + name + "': pre_aggregate() applies to aggregate() without " +
                               "evictor, not to reduce(), process() or an evictor's window");
    auto spec = spec_;
    auto key_fn = input_.key_selector();
    std::string full = name + " " + spec.assigner->name();
    return input_.stream().template transform<OUT>(full, [spec, key_fn, contents, fn] {
      return std::make_unique<windowing::WindowOperator<K, T, W, Contents, Fn>>(spec, key_fn, contents, fn);
    });
  }

  KeyedStream<T, K> input_;
  windowing::WindowSpec<T, W> spec_;
  //! The trigger given to trigger(), for windows of partial aggregates; empty when it reads elements.
  std::function<std::unique_ptr<Trigger<windowing::PreAggregatedElement, W>>()> elementless_trigger_;
  size_t pre_aggregate_entries_ = 0;  //!< > 0: pre_aggregate() with that many partials at most
  PreAggregateHold pre_aggregate_hold_ = PreAggregateHold::kAuto;
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
