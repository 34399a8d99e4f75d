#pragma once
// WindowOperator: the keyed operator behind every windowed stream, after Flink's WindowOperator.
// For each element it asks the assigner for windows, adds the element to each window's contents
// (keyed state in the window's namespace) and asks the trigger whether to fire or purge. Merging
// assigners (sessions) go through a MergingWindowSet kept in keyed state, so merged windows merge
// their state. Every window gets a cleanup timer at max_timestamp + allowed lateness (event time) or
// max_timestamp (processing time) that drops its state. Elements whose windows are all past cleanup
// are late: they go to the late-data side output when one is set, otherwise they are dropped and
// counted. Results carry the window's max_timestamp().
//
// Threading: task thread only (records, watermarks and timers all arrive from the task's mailbox loop).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weir/api/operators/keyed_support.h"
#include "weir/api/operators/udf_operator.h"
#include "weir/api/windowing/event_time_trigger.h"
#include "weir/api/windowing/merging_window_set.h"
#include "weir/api/windowing/process_window_function.h"
#include "weir/api/windowing/window_assigner.h"
#include "weir/common/serializer.h"

namespace weir::windowing {

//! Everything about a windowed stream that is not its function: built by WindowedStream.
template <typename T, typename W>
struct WindowSpec {
  std::shared_ptr<const InternalWindowAssigner<T, W>> assigner;
  //! Makes the trigger; empty means the assigner's default trigger.
  std::function<std::unique_ptr<Trigger<T, W>>()> trigger;
  int64_t allowed_lateness = 0;
  std::string late_data_tag;  //!< empty: late elements are dropped
  int64_t evictor_keep = 0;   //!< > 0: a CountEvictor keeping that many elements
};

template <typename K, typename IN, typename W, typename Contents, typename Fn>
class WindowOperator final : public runtime::StreamOperator,
                             public runtime::Input<IN>,
                             public runtime::Triggerable {
  using OUT = typename Fn::Out;
  using MergingState = std::vector<std::pair<W, W>>;

 public:
  WindowOperator(WindowSpec<IN, W> spec, std::function<K(const IN&)> key_fn, Contents contents, Fn fn)
      : spec_(std::move(spec)),
        key_fn_(std::move(key_fn)),
        contents_(std::move(contents)),
        fn_(std::move(fn)) {}

  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  bool is_keyed() const override { return true; }

  void open() override {
    assigner_ = spec_.assigner.get();
    event_time_ = assigner_->is_event_time();
    merging_ = assigner_->is_merging();
    collector_.bind(static_cast<runtime::Output<OUT>*>(rt_.output));
    timers_ = create_timer_service(this);
    auto* backend = keyed_backend();
    tctx_.bind(timers_, backend);
    wctx_.timers = timers_;
    rctx_ = std::make_unique<RuntimeContext>(this);
    contents_.open(*backend, *rctx_);
    fn_.open(*rctx_);
    trigger_ = spec_.trigger ? spec_.trigger() : assigner_->default_trigger();
    const bool event_time_trigger =
        dynamic_cast<TriggerHolder<IN, W, EventTimeTrigger>*>(trigger_.get()) != nullptr;
    end_of_window_trigger_ = !merging_ && event_time_trigger;
    session_chain_ = std::is_same_v<W, TimeWindow> && merging_ && event_time_ && event_time_trigger;
    first_element_trigger_ = !merging_ && trigger_->acts_on_first_element_only();
    if constexpr (kCanSharePanes) {
      W probe;
      panes_ = end_of_window_trigger_ && event_time_ && spec_.allowed_lateness == 0 &&
               spec_.evictor_keep == 0 && assigner_->pane_of(0, probe, window_size_, window_slide_);
    }
    if (merging_) {
      if (!trigger_->can_merge())
        throw JobDefinitionError("operator '" + rt_.name +
                                 "': the trigger cannot be used with the merging assigner " +
                                 assigner_->name());
      merging_state_ = state::value_state(*backend, ValueStateDescriptor<MergingState>("window-merging-set"));
    }
    if (!spec_.late_data_tag.empty()) {
      auto it = rt_.side_outputs.find(spec_.late_data_tag);
      if (it != rt_.side_outputs.end()) late_output_ = static_cast<runtime::Output<IN>*>(it->second);
    }
  }
  void close() override {
    fn_.close();
    contents_.close();
  }

  void process_element(const IN& v, Timestamp ts) override {
    keys_.set_key(this, key_fn_(v));
    if (event_time_ && ts == kNoTimestamp)
      throw WeirError(assigner_->name() + ": record has no timestamp: use assign_timestamps_and_watermarks");
    bool skipped = true;
    if constexpr (kCanSharePanes) {
      if (panes_) {
        skipped = !add_to_pane(v, ts);
        if (skipped && is_element_late(ts)) on_late_element(v, ts);
        return;
      }
    }
    windows_.clear();
    // An event-time assigner reads no clock (a clock read per element was 4 % of q11's profile; measured
    // interleaved 4 times at 5M events, the change is within the noise: +3 %).
    assigner_->assign_windows(v, ts, event_time_ ? ts : timers_->current_processing_time(), windows_);
    if (merging_) {
      MergingWindowSet<W>& set = load_merging_set();
      for (const W& w : windows_) {
        W actual = set.add_window(w, *assigner_,
                                  [this](const W& result, const std::vector<W>& merged, const W& state_result,
                                         const std::vector<W>& merged_state) {
                                    merge(result, merged, state_result, merged_state);
                                  });
        if (is_window_late(actual)) {
          set.retire_window(actual);
          continue;
        }
        skipped = false;
        const W* state_window = set.state_window(actual);
        if (!state_window) throw WeirError("internal: window " + actual.to_string() + " is not in flight");
        if (session_chain_) {
          on_element_session(v, actual, *state_window);
        } else {
          contents_.set_namespace(ns_view(*state_window));
          on_element(v, ts, actual);
        }
      }
      persist_merging_set(set);
    } else {
      for (const W& w : windows_) {
        if (is_window_late(w)) continue;
        skipped = false;
        contents_.set_namespace(ns_view(w));
        on_element(v, ts, w);
      }
    }
    if (skipped && is_element_late(ts)) on_late_element(v, ts);
  }

  void on_event_time(const runtime::Timer& t) override { on_timer(t, true); }
  void on_processing_time(const runtime::Timer& t) override { on_timer(t, false); }

  //! Late elements dropped because no late-data side output consumes them (Flink's numLateRecordsDropped).
  int64_t num_late_records_dropped() const { return late_records_dropped_; }

 private:
  struct Ctx final : WindowContext<W> {
    const W& window() const override { return *w; }
    Timestamp current_watermark() const override { return timers->current_watermark(); }
    Timestamp current_processing_time() const override { return timers->current_processing_time(); }
    const W* w = nullptr;
    runtime::InternalTimerService* timers = nullptr;
  };

  // REQUIRES: contents_ points at the state window of `window`.
  void on_element(const IN& v, Timestamp ts, const W& window) {
    bool created = contents_.add(v);
    if (end_of_window_trigger_) {
      on_element_end_of_window(created, window);
      return;
    }
    // The trigger's timers and the cleanup timer were registered with the window's first element, and stay
    // while the window has contents (Trigger::acts_on_first_element_only).
    if (first_element_trigger_ && !created) return;
    tctx_.set_namespace(ns_view(window));
    TriggerResult r = trigger_->on_element(v, ts, window, tctx_);
    if (is_fire(r)) {
      auto c = contents_.get_for_fire();
      if (!c) return;
      emit(window, *c);
    }
    if (is_purge(r)) contents_.clear();
    register_cleanup_timer(window);
  }

  // on_element with an EventTimeTrigger on non-merging windows, without a timer registration per element:
  // EventTimeTrigger and the cleanup register the same timers for every element of a window, and those
  // stay registered while the window has contents (they are removed only by firing, which happens when
  // the watermark passes them, or by clearing the window's contents with them). So registering them when
  // the contents are created is enough; the timer service's deduplication made the rest no-ops.
  void on_element_end_of_window(bool created, const W& window) {
    if (window.max_timestamp() <= timers_->current_watermark()) {
      // Late but within the allowed lateness: EventTimeTrigger fires at once.
      if (auto c = contents_.get_for_fire()) emit(window, *c);
    } else if (created) {
      timers_->register_event_time_timer(ns_view(window), window.max_timestamp());
    }
    if (created) register_cleanup_timer(window);
  }

  // ---- the session timer chain (merging windows in event time with EventTimeTrigger) ----
  // Flink moves a session's timers with every element that extends it: the trigger deletes the merged
  // window's timer and registers one at the new end, and the cleanup timer moves the same way. Here the
  // timers belong to the session's state window, which stays put while the session grows, and they are
  // moved lazily: a session keeps one timer, due at or before its next event (its end while it has not
  // fired, its cleanup after). When that timer finds the session has grown, it re-registers itself at the
  // new time (on_session_timer). So extending a session costs no timer work, and a session is re-timed
  // about once per gap instead of once per element. Firings and cleanups happen at the same watermarks,
  // with the same contents, as with Flink's per-element timers. Timers of state windows merged away stay
  // behind and are ignored when they fire (their namespace is no session's state window any more).
  // A chain timer's namespace is its state window followed by kChainMarker, so that timers restored from a
  // savepoint of Flink's scheme (the namespace is the session window alone) are told apart and joined to
  // the chain (on_session_timer).
  static constexpr uint8_t kChainMarker = 0xC5;

  // REQUIRES: `actual` is in flight with state window `state`.
  void on_element_session(const IN& v, const W& actual, const W& state) {
    std::string_view ns = ns_view(state);
    contents_.set_namespace(ns);
    bool created = contents_.add(v);
    const Timestamp wm = timers_->current_watermark();
    if (actual.max_timestamp() <= wm) {
      // Late but within the allowed lateness: EventTimeTrigger fires at once.
      if (auto c = contents_.get_for_fire()) emit(actual, *c);
      if (created) register_session_timer(state, cleanup_time(actual));
    } else if (created) {
      register_session_timer(state, actual.max_timestamp());
    }
  }
  void register_session_timer(const W& state, Timestamp t) {
    if (t == kMaxTimestamp) return;
    ns_scratch_.clear();
    Serializer<W>::write(ns_scratch_, state);
    ns_scratch_.write_fixed<uint8_t>(kChainMarker);
    timers_->register_event_time_timer(ns_scratch_.view(), t);
  }
  // A merge under the chain: the kept state window's timer is due at or before the merged session's next
  // event, unless the kept session had fired already (it waits for its cleanup then) and the merged one
  // can fire again: that firing needs a timer of its own.
  void merge_session(const W& result, const std::vector<W>& merged, const W& state_result) {
    const Timestamp wm = timers_->current_watermark();
    if (result.max_timestamp() > wm &&
        std::any_of(merged.begin(), merged.end(), [&](const W& m) { return m.max_timestamp() <= wm; }))
      register_session_timer(state_result, result.max_timestamp());
  }
  void on_session_timer(Timestamp t, std::string_view ns, MergingWindowSet<W>& set) {
    DataInput in(ns);
    const W state_window = Serializer<W>::read(in);
    if (in.at_end()) {
      // Flink's scheme, from an older savepoint: a timer of the session window itself, whose timers the
      // chain does not move. The session that holds it now (it may have grown) takes it over as a chain
      // timer at the same time, which fires in this same watermark advance.
      for (const auto& [w, state] : set.mapping())
        if (w.start <= state_window.start && state_window.end <= w.end) {
          register_session_timer(state, t);
          return;
        }
      return;  // its session was cleaned up
    }
    if (in.read_fixed<uint8_t>() != kChainMarker || !in.at_end())
      throw WeirError("window operator '" + rt_.name + "': a timer namespace that is not a session's");
    const W* actual_p = set.window_of_state(state_window);
    if (!actual_p) return;  // a state window merged away or cleaned up: a stale timer
    const W actual = *actual_p;
    const Timestamp fire_at = actual.max_timestamp();
    const Timestamp cleanup_at = cleanup_time(actual);
    if (t < fire_at) {  // the session grew since this timer was registered
      register_session_timer(state_window, fire_at);
      return;
    }
    contents_.set_namespace(ns_view(state_window));
    if (t == fire_at) {
      if (auto c = contents_.get_for_fire()) {
        keys_.load_key(this);
        emit(actual, *c);
      }
    }
    if (t < cleanup_at) {
      register_session_timer(state_window, cleanup_at);
      return;
    }
    contents_.clear();
    wctx_.w = &actual;
    wctx_.bind(&rt_.side_outputs, actual.max_timestamp());
    fn_.clear(wctx_);
    set.retire_window(actual);
  }

  void on_late_element(const IN& v, Timestamp ts) {
    if (late_output_) {
      late_output_->collect(v, ts);
    } else {
      ++late_records_dropped_;
    }
  }

  // ---- pane sharing (sliding event-time windows, EventTimeTrigger, no lateness, aggregating) ----
  // An element goes into one pane (slide long) instead of size / slide windows: one state update
  // per element. A window's timer is registered when one of its panes is created; when it fires, the
  // window's result folds the accumulators of its panes, and its first pane, which no later window
  // covers, is dropped. Windows the watermark has passed are gone for good (no allowed lateness), so
  // a pane's windows that were already late when it was created are never fired with it.
  static constexpr bool kCanSharePanes = std::is_same_v<W, TimeWindow> && requires {
    Contents::kSupportsPanes;
  };

  //! False when every window of the element is late (nothing was added).
  bool add_to_pane(const IN& v, Timestamp ts) {
    W pane;
    int64_t size = 0, slide = 0;
    assigner_->pane_of(ts, pane, size, slide);
    Timestamp wm = timers_->current_watermark();
    if (pane.start + size - 1 <= wm) return false;
    contents_.set_namespace(ns_view(pane));
    if (contents_.add(v)) {
      for (Timestamp end = pane.end; end <= pane.start + size; end += slide) {
        if (end - 1 <= wm) continue;
        timers_->register_event_time_timer(ns_view(W{end - size, end}), end - 1);
      }
    }
    return true;
  }

  void fire_pane_window(const W& window) {
    std::optional<typename Contents::Acc> acc;
    for (Timestamp p = window.start; p < window.end; p += window_slide_) {
      contents_.set_namespace(ns_view(W{p, p + window_slide_}));
      contents_.fold_into(acc);
    }
    if (acc) {
      keys_.load_key(this);
      emit(window, contents_.result_of(*acc));
    }
    // The first pane is in no later window.
    contents_.set_namespace(ns_view(W{window.start, window.start + window_slide_}));
    contents_.clear();
    wctx_.w = &window;
    wctx_.bind(&rt_.side_outputs, window.max_timestamp());
    fn_.clear(wctx_);
  }

  void on_timer(const runtime::Timer& t, bool event_timer) {
    if constexpr (std::is_same_v<W, TimeWindow>) {
      if (session_chain_) {
        if (!event_timer) return;  // the chain registers event-time timers only
        MergingWindowSet<W>& s = load_merging_set();
        on_session_timer(t.ts, t.ns, s);
        persist_merging_set(s);
        return;
      }
    }
    W window = deserialize_from_string<W>(t.ns);
    if constexpr (kCanSharePanes) {
      if (panes_) {
        if (event_timer) fire_pane_window(window);
        return;
      }
    }
    tctx_.set_namespace(t.ns);
    MergingWindowSet<W>* set = nullptr;
    if (merging_) {
      set = &load_merging_set();
      const W* state_window = set->state_window(window);
      // A timer of a window that was merged away or purged: its trigger did not delete it; nothing to do.
      if (!state_window) return;
      contents_.set_namespace(ns_view(*state_window));
    } else {
      contents_.set_namespace(t.ns);
    }
    TriggerResult r = event_timer ? trigger_->on_event_time(t.ts, window, tctx_)
                                  : trigger_->on_processing_time(t.ts, window, tctx_);
    if (is_fire(r)) {
      if (auto c = contents_.get_for_fire()) {
        keys_.load_key(this);
        emit(window, *c);
      }
    }
    if (is_purge(r)) contents_.clear();
    if (event_timer == event_time_ && t.ts == cleanup_time(window)) clear_all_state(window, set);
    if (set) persist_merging_set(*set);
  }

  // Called by MergingWindowSet::add_window when windows merge into `result`.
  void merge(const W& result, const std::vector<W>& merged, const W& state_result,
             const std::vector<W>& merged_state) {
    if (event_time_ && cleanup_time(result) <= timers_->current_watermark())
      throw WeirError(
          "the end of an event-time window cannot become earlier than the current watermark by merging");
    if (!event_time_ && result.max_timestamp() <= timers_->current_processing_time())
      throw WeirError(
          "the end of a processing-time window cannot become earlier than the current time by merging");
    if (!merged_state.empty()) {
      std::vector<std::string> sources;
      for (const W& s : merged_state) sources.push_back(serialize_to_string(s));
      contents_.merge(serialize_to_string(state_result), sources);
    }
    if (session_chain_) {
      merge_session(result, merged, state_result);
      return;
    }
    tctx_.set_namespace(ns_view(result));
    auto& merged_ns = tctx_.merged_namespaces();
    merged_ns.clear();
    for (const W& m : merged) merged_ns.push_back(serialize_to_string(m));
    trigger_->on_merge(result, tctx_);
    for (const W& m : merged) {
      tctx_.set_namespace(ns_view(m));
      trigger_->clear(m, tctx_);
      delete_cleanup_timer(m);
    }
  }

  template <typename R>
  void emit(const W& window, const R& contents) {
    Timestamp ts = window.max_timestamp();
    collector_.set_timestamp(ts);
    wctx_.w = &window;
    wctx_.bind(&rt_.side_outputs, ts);
    fn_.apply(keys_.key(), wctx_, contents, collector_);
  }

  // REQUIRES: contents_ and tctx_ point at `window`.
  void clear_all_state(const W& window, MergingWindowSet<W>* set) {
    contents_.clear();
    trigger_->clear(window, tctx_);
    wctx_.w = &window;
    wctx_.bind(&rt_.side_outputs, window.max_timestamp());
    fn_.clear(wctx_);
    if (set) set->retire_window(window);
  }

  Timestamp cleanup_time(const W& w) const {
    if (!event_time_) return w.max_timestamp();
    // Saturate: a window that ends at the end of time gets no cleanup timer.
    if (w.max_timestamp() > kMaxTimestamp - spec_.allowed_lateness) return kMaxTimestamp;
    return w.max_timestamp() + spec_.allowed_lateness;
  }
  bool is_window_late(const W& w) const {
    return event_time_ && cleanup_time(w) <= timers_->current_watermark();
  }
  bool is_element_late(Timestamp ts) const {
    if (!event_time_ || ts > kMaxTimestamp - spec_.allowed_lateness) return false;
    return ts + spec_.allowed_lateness <= timers_->current_watermark();
  }
  void register_cleanup_timer(const W& w) {
    Timestamp t = cleanup_time(w);
    if (t == kMaxTimestamp) return;
    if (event_time_) {
      timers_->register_event_time_timer(ns_view(w), t);
    } else {
      timers_->register_processing_time_timer(ns_view(w), t);
    }
  }
  void delete_cleanup_timer(const W& w) {
    Timestamp t = cleanup_time(w);
    if (t == kMaxTimestamp) return;
    if (event_time_) {
      timers_->delete_event_time_timer(ns_view(w), t);
    } else {
      timers_->delete_processing_time_timer(ns_view(w), t);
    }
  }

  //! The current key's in-flight windows, in the operator's one set (valid until the next call).
  MergingWindowSet<W>& load_merging_set() {
    merging_state_->set_current_namespace({});
    merging_set_.load([this](MergingState& m) { return merging_state_->value_into(m); });
    return merging_set_;
  }
  void persist_merging_set(const MergingWindowSet<W>& set) {
    if (!set.changed()) return;
    merging_state_->set_current_namespace({});
    if (set.size() == 0) {
      merging_state_->clear();
    } else {
      merging_state_->update(set.mapping());
    }
  }

  //! The window's serialized form (its state and timer namespace). Valid until the next call.
  std::string_view ns_view(const W& w) {
    ns_scratch_.clear();
    Serializer<W>::write(ns_scratch_, w);
    return ns_scratch_.view();
  }

  WindowSpec<IN, W> spec_;
  std::function<K(const IN&)> key_fn_;
  Contents contents_;
  Fn fn_;
  const InternalWindowAssigner<IN, W>* assigner_ = nullptr;
  bool event_time_ = false;
  bool merging_ = false;
  std::unique_ptr<Trigger<IN, W>> trigger_;
  //! The trigger is EventTimeTrigger and windows do not merge: on_element_end_of_window applies.
  bool end_of_window_trigger_ = false;
  bool first_element_trigger_ = false;  // Trigger::acts_on_first_element_only on windows that do not merge
  //! Event-time sessions with EventTimeTrigger: timers follow the session timer chain (on_element_session).
  bool session_chain_ = false;
  MergingWindowSet<W> merging_set_;
  //! Elements go into panes shared by windows (see add_to_pane).
  bool panes_ = false;
  int64_t window_size_ = 0;
  int64_t window_slide_ = 0;
  runtime::InternalTimerService* timers_ = nullptr;
  ops::KeyContext<K> keys_;
  ops::TimestampedCollector<OUT> collector_;
  OnMergeContext tctx_;
  Ctx wctx_;
  std::unique_ptr<RuntimeContext> rctx_;
  state::InternalValueState<MergingState>* merging_state_ = nullptr;
  runtime::Output<IN>* late_output_ = nullptr;
  std::vector<W> windows_;
  DataOutput ns_scratch_;
  int64_t late_records_dropped_ = 0;
};

}  // namespace weir::windowing
