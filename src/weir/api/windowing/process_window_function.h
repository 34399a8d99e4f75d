#pragma once
// ProcessWindowFunction: called with all elements of a window (or, after reduce/aggregate, with the
// one pre-aggregated value) when the window fires.
#include <vector>

#include "weir/api/process_function.h"
#include "weir/functions/functions.h"

namespace weir {

//! What a window function sees of the firing: the window, time, and side outputs (records emitted
//! there carry the window's max_timestamp()).
template <typename W>
class WindowContext : public ContextBase {
 public:
  virtual const W& window() const = 0;
  virtual Timestamp current_watermark() const = 0;
  virtual Timestamp current_processing_time() const = 0;
};

template <typename IN, typename OUT, typename K, typename W>
class ProcessWindowFunction : public RichFunction {
 public:
  using In = IN;
  using Out = OUT;
  using Key = K;
  using Window = W;
  using Context = WindowContext<W>;
  virtual void process(const K& key, Context& ctx, const std::vector<IN>& elements, Collector<OUT>& out) = 0;
  //! Called when the window is purged for good (after its allowed lateness).
  virtual void clear(Context& ctx) {}
};

}  // namespace weir
