#pragma once
// The state types as operators see them: the user-facing interface plus what the engine needs on top
// (namespaces, snapshots via InternalStateBase; merging namespaces and "was this the first element"
// for window contents). Every backend implements these, so operators never name a backend's classes.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/state/keyed_state_backend.h"
#include "weir/state/state.h"

namespace weir::state {

template <typename V>
class InternalValueState : public ValueState<V>, public InternalStateBase {};

template <typename UK, typename UV>
class InternalMapState : public MapState<UK, UV>, public InternalStateBase {};

//! Merging of namespaces (session windows): the entries of `sources` fold into `target`, then the
//! sources are empty.
class InternalMergingState {
 public:
  virtual ~InternalMergingState() = default;
  virtual void merge_namespaces(std::string_view target, const std::vector<std::string>& sources) = 0;
};

template <typename V>
class InternalListState : public ListState<V>, public InternalStateBase, public InternalMergingState {
 public:
  //! add(v); true when the list was empty before (the first element for this key and namespace).
  virtual bool add_reporting_new(const V& v) = 0;
};

template <typename V>
class InternalReducingState : public ReducingState<V>, public InternalStateBase, public InternalMergingState {
 public:
  //! add(v); true when that created the entry (the first element for this key and namespace).
  virtual bool add_reporting_new(const V& v) = 0;
};

template <typename IN, typename ACC, typename OUT>
class InternalAggregatingState : public AggregatingState<IN, OUT>,
                                 public InternalStateBase,
                                 public InternalMergingState {
 public:
  //! add(v); true when that created the entry (the first element for this key and namespace).
  virtual bool add_reporting_new(const IN& v) = 0;
  //! The raw accumulator (window functions that fold panes need it).
  virtual std::optional<ACC> get_accumulator() = 0;
};

}  // namespace weir::state
