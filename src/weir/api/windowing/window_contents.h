#pragma once
// Where a window operator keeps each window's contents: keyed state in the window's namespace. A
// list (process functions and evicting windows), a reducing state (reduce) or an aggregating state
// (aggregate) keep all elements, one reduced value, or one accumulator per window and key.
//
// Each kind offers: open, close, set_namespace, add, get_for_fire, clear, merge. add returns true when
// it created the window's contents for the current key (its first element since the last clear).
// Threading: task thread only.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "weir/functions/functions.h"
#include "weir/functions/runtime_context.h"
#include "weir/state/state_factory.h"

namespace weir::windowing {

inline constexpr const char* kContentsStateName = "window-contents";

template <typename F>
void open_if_rich(F& f, RuntimeContext& rc) {
  if constexpr (std::is_base_of_v<RichFunction, F>) f.open(rc);
}
template <typename F>
void close_if_rich(F& f) {
  if constexpr (std::is_base_of_v<RichFunction, F>) f.close();
}
//! Calls a ReduceFunction or a plain callable.
template <typename T, typename F>
T call_reduce(F& f, const T& a, const T& b) {
  if constexpr (std::is_base_of_v<ReduceFunction<T>, F>) {
    return f.reduce(a, b);
  } else {
    return f(a, b);
  }
}

template <typename IN>
class ListContents {
 public:
  using Result = std::vector<IN>;
  //! keep_last > 0: a count evictor that keeps the last `keep_last` elements when the window fires.
  explicit ListContents(int64_t keep_last = 0) : keep_last_(keep_last) {}
  void open(state::KeyedStateBackend& b, RuntimeContext&) {
    state_ = state::list_state(b, ListStateDescriptor<IN>(kContentsStateName));
  }
  void close() {}
  void set_namespace(std::string_view ns) { state_->set_current_namespace(ns); }
  bool add(const IN& v) { return state_->add_reporting_new(v); }
  std::optional<Result> get_for_fire() {
    auto v = state_->get();
    if (v.empty()) return std::nullopt;
    if (keep_last_ > 0 && static_cast<int64_t>(v.size()) > keep_last_) {
      v.erase(v.begin(), v.end() - keep_last_);
      state_->update(v);
    }
    return v;
  }
  void clear() { state_->clear(); }
  void merge(std::string_view target, const std::vector<std::string>& sources) {
    state_->merge_namespaces(target, sources);
  }

 private:
  int64_t keep_last_;
  state::InternalListState<IN>* state_ = nullptr;
};

template <typename IN, typename F>
class ReducingContents {
 public:
  using Result = IN;
  explicit ReducingContents(F f) : f_(std::move(f)) {}
  //! REQUIRES: this object is not moved after open() (the state's reduce function points at f_).
  void open(state::KeyedStateBackend& b, RuntimeContext& rc) {
    open_if_rich(f_, rc);
    state_ = state::reducing_state(
        b, ReducingStateDescriptor<IN>(
               kContentsStateName, [this](const IN& x, const IN& y) { return call_reduce<IN>(f_, x, y); }));
  }
  void close() { close_if_rich(f_); }
  void set_namespace(std::string_view ns) { state_->set_current_namespace(ns); }
  bool add(const IN& v) { return state_->add_reporting_new(v); }
  std::optional<Result> get_for_fire() { return state_->get(); }
  void clear() { state_->clear(); }
  void merge(std::string_view target, const std::vector<std::string>& sources) {
    state_->merge_namespaces(target, sources);
  }

 private:
  F f_;
  state::InternalReducingState<IN>* state_ = nullptr;
};

template <typename IN, typename Agg>
class AggregatingContents {
  using AggOut = typename Agg::Out;
  static_assert(std::is_same_v<typename Agg::In, IN>,
                "the AggregateFunction's input type must be the stream's type");

 public:
  using Acc = typename Agg::Acc;
  using Result = AggOut;
  explicit AggregatingContents(Agg agg) : agg_(std::move(agg)) {}
  void open(state::KeyedStateBackend& b, RuntimeContext&) {
    auto agg = std::make_shared<Agg>(agg_);
    state_ =
        state::aggregating_state(b, AggregatingStateDescriptor<IN, Acc, AggOut>(kContentsStateName, agg));
  }
  void close() {}
  void set_namespace(std::string_view ns) { state_->set_current_namespace(ns); }
  bool add(const IN& v) { return state_->add_reporting_new(v); }
  std::optional<Result> get_for_fire() { return state_->get(); }
  void clear() { state_->clear(); }
  void merge(std::string_view target, const std::vector<std::string>& sources) {
    state_->merge_namespaces(target, sources);
  }

  // ---- pane sharing (sliding windows): a window's result folds the accumulators of its panes ----
  static constexpr bool kSupportsPanes = true;
  //! Folds the current namespace's accumulator into `acc` (nothing when it has none).
  void fold_into(std::optional<Acc>& acc) {
    if (auto a = state_->get_accumulator())
      acc = acc ? agg_.merge(std::move(*acc), std::move(*a)) : std::move(*a);
  }
  Result result_of(const Acc& acc) { return agg_.get_result(acc); }

 private:
  Agg agg_;
  state::InternalAggregatingState<IN, Acc, AggOut>* state_ = nullptr;
};

}  // namespace weir::windowing
